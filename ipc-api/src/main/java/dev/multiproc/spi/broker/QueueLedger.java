package dev.multiproc.spi.broker;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The state of one queue, kept by its broker: the items, who waits for what, and which items
 * each connected process holds without having taken them yet. Pure bookkeeping with no I/O:
 * the broker feeds it the frames it reads and it answers through each peer's {@link PeerSink}.
 * Not thread-safe: the broker thread is its only user.
 *
 * <h2>Where an item is</h2>
 * An item is <em>ready</em> (in the broker's FIFO) or <em>unacked</em> (sent to one consumer
 * process, not yet handed to a user thread there). A consumer acknowledges (ACK) an item once a
 * {@code take}/{@code poll} returned it; only then is it gone from the queue. If the consumer's
 * connection drops first (close, crash, SIGKILL), its unacked items go back to the head of the
 * queue in their order, so an item is never lost with a dead consumer. {@link #size()} counts
 * ready and unacked items: every item put and not yet taken.
 *
 * <h2>Who gets what</h2>
 * Items go first to <em>demand</em> (threads blocked in take/poll(timeout) in some process),
 * round-robin between processes, then to POLLs. A consumer process that asked for PREFETCH is
 * also sent up to that many items ahead of demand (<em>speculative</em>), round-robin between
 * such consumers, which is what lets consumers stream a million items a second without a round
 * trip per item, however many there are. Items a process holds without a thread waiting for them
 * (speculative ones, or demanded ones whose waiter timed out) are <em>parked</em>. A process is
 * only sent items newer than what it holds or took ({@link ReadyItems}): each process sees each
 * producer's items in order. A demand or POLL that finds nothing it can take recalls the items
 * others hold parked that it could (a busy consumer must not sit on a backlog while another
 * idles; the client demands after waiting a moment for items sent ahead). Across processes,
 * an item parked in one may be taken after a newer one in another.
 *
 * <h2>Capacity and tasks</h2>
 * A bounded queue admits a PUT while ready + unacked items are below maxsize, else the put
 * waits (WAIT) or fails (NOWAIT). For a joinable queue, {@code unfinished} counts items put and
 * not yet marked done (Python's unfinished-tasks counter); an ACK gives the acknowledging process
 * one unit of taskDone() backing, so its taskDone() needs no round trip.
 */
final class QueueLedger {
    /** Largest number of bytes sent ahead to a single consumer. */
    static final long MAX_PREFETCH_BYTES = 1 << 20;

    private record PendingPut(LedgerPeer peer, long reqId, byte[] item) implements LedgerPeer.Waiting {
    }

    private record PendingRequest(LedgerPeer peer, long reqId) {
    }

    private final String name;
    private final int maxsize;
    private final boolean joinable;
    private final ReadyItems ready = new ReadyItems();
    private final List<LedgerPeer> peers = new ArrayList<>();
    private final LinkedHashSet<LedgerPeer> needy = new LinkedHashSet<>();
    private final ArrayDeque<PendingRequest> polls = new ArrayDeque<>();
    private final ArrayDeque<PendingPut> waitingPuts = new ArrayDeque<>();
    private long unackedTotal;
    private final UnfinishedTasks tasks;
    private int recallsPending;
    /** Consumers that asked to be sent items ahead, in the order they asked (round-robin). */
    private final List<LedgerPeer> prefetchers = new ArrayList<>();
    /** Where the next round of items sent ahead starts in {@link #prefetchers}. */
    private int nextPrefetcher;
    private final GivenBackGrace grace;

    /**
     * @param name        the queue's name, for messages
     * @param maxsize     capacity; zero or negative means unbounded
     * @param joinable    whether taskDone/join are allowed
     * @param onTimedWork told when {@link #nextDeadline()} becomes set, from whatever thread
     */
    QueueLedger(String name, int maxsize, boolean joinable, Runnable onTimedWork) {
        this.grace = new GivenBackGrace(onTimedWork);
        this.name = name;
        this.maxsize = maxsize;
        this.joinable = joinable;
        this.tasks = new UnfinishedTasks(name, peers);
    }

    /** @return items put and not yet taken */
    long size() {
        return ready.size() + unackedTotal;
    }

    /** @return items put and not yet marked done */
    long unfinished() {
        return tasks.count();
    }

    private boolean bounded() {
        return maxsize > 0;
    }

    /**
     * @param sink where the new peer's frames go
     * @return the peer
     */
    LedgerPeer attach(PeerSink sink) {
        LedgerPeer p = new LedgerPeer(sink);
        peers.add(p);
        return p;
    }

    /** The peer's connection is gone: its unacked items go back to the head, its requests are dropped. */
    void detach(LedgerPeer p) {
        if (!peers.remove(p)) {
            return;
        }
        needy.remove(p);
        polls.removeIf(r -> r.peer == p);
        waitingPuts.removeIf(r -> r.peer == p);
        returnToHead(p, p.unacked.size(), true);
        if (p.recalling) {
            p.recalling = false;
            recallsPending--;
        }
        prefetchers.remove(p);
        tasks.detach(p);
        dispatch();
    }

    void hello(LedgerPeer p, long pid) {
        p.pid = pid;
    }

    void put(LedgerPeer p, byte mode, long reqId, byte[] item) {
        if (mode == QueueFrames.PUT_ASYNC && bounded()) {
            throw new IllegalArgumentException("asynchronous PUT on queue " + name + " bounded to " + maxsize);
        }
        if (!bounded() || (waitingPuts.isEmpty() && size() < maxsize)) {
            enqueue(item);
            if (mode != QueueFrames.PUT_ASYNC) {
                p.sink.reply(reqId, QueueFrames.OK, 0);
            }
            dispatch();
        } else if (mode == QueueFrames.PUT_NOWAIT) {
            p.sink.reply(reqId, QueueFrames.FULL, 0);
        } else {
            waitingPuts.add(new PendingPut(p, reqId, item));
        }
    }

    void demand(LedgerPeer p, int delta) {
        if (delta > 0) {
            p.demand += delta;
            needy.add(p);
        } else if (delta < 0) {
            int withdrawn = -delta;
            int unmet = Math.min(withdrawn, p.demand);
            p.demand -= unmet;
            // the rest were already sent: those items are now parked at the peer
            p.demandedInFlight = Math.max(0, p.demandedInFlight - (withdrawn - unmet));
            if (p.demand == 0) {
                needy.remove(p);
            }
        }
        dispatch();
    }

    void poll(LedgerPeer p, long reqId) {
        polls.add(new PendingRequest(p, reqId));
        dispatch();
    }

    void prefetch(LedgerPeer p, int target) {
        p.prefetchTarget = Math.max(0, target);
        if (p.prefetchTarget > 0 && !prefetchers.contains(p)) {
            prefetchers.add(p);
        } else if (p.prefetchTarget == 0) {
            prefetchers.remove(p);
        }
        dispatch();
    }

    void ack(LedgerPeer p, int count) {
        p.checkHolds(count, "ACK", name);
        p.acked += count;
        p.heldNothing = false;
        for (int i = 0; i < count; i++) {
            QueueItem taken = p.unacked.pollFirst();
            p.unackedBytes -= taken.bytes().length;
            if (!taken.anyOrder()) {
                p.newestTakenSeq = Math.max(p.newestTakenSeq, taken.seq());
            }
        }
        unackedTotal -= count;
        p.settled(count);
        if (joinable) {
            tasks.taken(p, count);
        }
        dispatch();
    }

    void returned(LedgerPeer p, int count) {
        p.checkHolds(count, "RETURN", name);
        returnToHead(p, count, false);
        p.heldNothing = count == 0; // its unacked items are taken: no use recalling it until that changes
        if (p.recalling) {
            p.recalling = false;
            recallsPending--;
        }
        dispatch();
    }

    void size(LedgerPeer p, long reqId) {
        p.sink.reply(reqId, QueueFrames.OK, size());
    }

    void taskDone(LedgerPeer p, int count) {
        for (int i = 0; i < count; i++) {
            String error = applyDone(p);
            if (error != null) {
                p.sink.error(0, error);
            }
        }
    }

    void doneCheck(LedgerPeer p, long reqId) {
        String error = applyDone(p);
        if (error != null) {
            p.sink.error(reqId, error);
        } else {
            p.sink.reply(reqId, QueueFrames.OK, tasks.count());
        }
    }

    void join(LedgerPeer p, long reqId) {
        checkJoinable("JOIN");
        tasks.join(p, reqId);
    }

    void cancel(LedgerPeer p, long reqId) {
        if (!p.cancel(waitingPuts, reqId)) {
            tasks.cancel(p, reqId); // if not there either, already answered: that answer is ahead of anything sent now
        }
    }

    void sync(LedgerPeer p, long reqId) {
        p.sink.reply(reqId, QueueFrames.OK, 0);
    }

    private void enqueue(byte[] item) {
        ready.add(item);
        tasks.put();
    }

    private void checkJoinable(String what) {
        if (!joinable) {
            throw new IllegalArgumentException(what + " on queue " + name + ", which is not joinable");
        }
    }

    /**
     * @param orphan whether the peer is gone: its items may then go to any consumer (see {@link QueueItem#anyOrder})
     */
    private void returnToHead(LedgerPeer p, int count, boolean orphan) {
        if (count == 0) {
            return;
        }
        List<QueueItem> back = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            QueueItem item = p.unacked.pollFirst();
            p.unackedBytes -= item.bytes().length;
            back.add(orphan ? item.orphaned() : item);
        }
        ready.returnToHead(back);
        unackedTotal -= count;
        p.settled(count);
        p.forgetReturned();
    }

    /** @return null, or why this taskDone() is one too many */
    private String applyDone(LedgerPeer p) {
        checkJoinable("TASK_DONE");
        return tasks.done(p);
    }

    private void admitWaitingPuts() {
        while (!waitingPuts.isEmpty() && size() < maxsize) {
            PendingPut w = waitingPuts.pollFirst();
            enqueue(w.item);
            w.peer.sink.reply(w.reqId, QueueFrames.OK, 0);
        }
    }

    /** @return whether an item that keeps p's order was there, and was sent */
    private boolean deliver(LedgerPeer p, byte kind) {
        QueueItem item = ready.takeFor(p.newestSeq);
        if (item == null) {
            return false;
        }
        p.send(item, kind);
        unackedTotal++;
        return true;
    }

    /** @return when {@link #tick()} has work ({@code System.nanoTime()}), or 0 if nothing is timed */
    long nextDeadline() {
        return grace.due();
    }

    /** Does what has come due: the broker calls it after a wait for {@link #nextDeadline()}. */
    void tick() {
        if (grace.isDue()) {
            dispatch();
        }
    }

    /** Hands out what can be handed out now. Called after every change. */
    private void dispatch() {
        if (bounded()) {
            admitWaitingPuts();
        }
        if (recallsPending > 0) {
            return;
        }
        if (ready.isEmpty() && polls.isEmpty() && needy.isEmpty()) {
            return;
        }
        serveDemand();
        answerPolls();
        if (recallForUnmetNeeds()) {
            return;
        }
        int n = prefetchers.size();
        for (int full = 0; full < n && !ready.isEmpty(); ) { // round-robin, from where the last round stopped
            LedgerPeer c = prefetchers.get(nextPrefetcher++ % n);
            nextPrefetcher %= n;
            boolean room = c.parked() < c.prefetchTarget && c.unackedBytes < MAX_PREFETCH_BYTES;
            full = room && deliver(c, QueueFrames.ITEM_SPECULATIVE) ? 0 : full + 1;
        }
        if (!needy.isEmpty() && ready.hasReturned()) { // no one that could take them in order took them
            if (grace.expired()) {
                ready.orphanReturned();
                serveDemand();
            }
        } else {
            grace.cancel();
        }
        if (bounded()) {
            admitWaitingPuts();
        }
    }

    /** Serves waiting threads, round-robin between processes, each with an item that keeps its order. */
    private void serveDemand() {
        for (int unserved = 0; unserved < needy.size() && !ready.isEmpty(); ) {
            LedgerPeer q = needy.removeFirst();
            if (deliver(q, QueueFrames.ITEM_DEMANDED)) {
                unserved = 0;
                if (--q.demand > 0) {
                    needy.addLast(q); // to the back
                }
            } else {
                needy.addLast(q); // nothing it can take in order now
                unserved++;
            }
        }
    }

    /** Answers each POLL with an item, or EMPTY unless a recall could free one for it (it then waits). */
    private void answerPolls() {
        for (int i = polls.size(); i > 0; i--) {
            PendingRequest r = polls.pollFirst();
            if (deliver(r.peer, QueueFrames.ITEM_NOW)) {
                r.peer.sink.reply(r.reqId, QueueFrames.OK, 0);
            } else if (peers.stream().anyMatch(q -> q.holdsItemsFor(r.peer))) {
                polls.addLast(r);
            } else {
                r.peer.sink.reply(r.reqId, QueueFrames.EMPTY, 0);
            }
        }
    }

    /**
     * Recalls the parked items of every process that holds some a waiting process could take in
     * order (a busy consumer must not sit on a backlog while another idles).
     *
     * @return whether recalls were sent: nothing is handed out until they are answered
     */
    private boolean recallForUnmetNeeds() {
        if (needy.isEmpty() && polls.isEmpty()) {
            return false;
        }
        for (LedgerPeer q : peers) {
            boolean needed = needy.stream().anyMatch(p -> q.holdsItemsFor(p))
                    || polls.stream().anyMatch(r -> q.holdsItemsFor(r.peer));
            if (needed) {
                q.recalling = true;
                recallsPending++;
                q.sink.recall();
            }
        }
        return recallsPending > 0;
    }
}
