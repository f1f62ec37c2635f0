package dev.multiproc.spi.broker;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
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
 * round-robin between processes, then to POLLs. When exactly one process consumes, it may also
 * be sent up to its PREFETCH target of items ahead of demand (<em>speculative</em>), which is what
 * lets one consumer stream a million items a second without a round trip per item. Items a
 * process holds without a thread waiting for them (speculative ones, or demanded ones whose
 * waiter timed out) are <em>parked</em>; when another process needs an item, every parked item is
 * recalled to the head before anyone is served, so each process still sees each producer's items
 * in order.
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
    private final ArrayDeque<byte[]> ready = new ArrayDeque<>();
    private final List<LedgerPeer> peers = new ArrayList<>();
    private final LinkedHashSet<LedgerPeer> needy = new LinkedHashSet<>();
    private final ArrayDeque<PendingRequest> polls = new ArrayDeque<>();
    private final ArrayDeque<PendingPut> waitingPuts = new ArrayDeque<>();
    private long unackedTotal;
    private final UnfinishedTasks tasks;
    private int recallsPending;
    private int consumers;
    private LedgerPeer soleConsumer;

    /**
     * @param name     the queue's name, for messages
     * @param maxsize  capacity; zero or negative means unbounded
     * @param joinable whether taskDone/join are allowed
     */
    QueueLedger(String name, int maxsize, boolean joinable) {
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
        returnToHead(p, p.unacked.size());
        if (p.recalling) {
            p.recalling = false;
            recallsPending--;
        }
        if (p.consumer) {
            p.consumer = false;
            consumers--;
            soleConsumer = null;
            if (consumers == 1) {
                for (LedgerPeer q : peers) {
                    if (q.consumer) {
                        soleConsumer = q;
                    }
                }
            }
        }
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
            markConsumer(p);
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
        markConsumer(p);
        polls.add(new PendingRequest(p, reqId));
        dispatch();
    }

    void prefetch(LedgerPeer p, int target) {
        markConsumer(p);
        p.prefetchTarget = Math.max(0, target);
        dispatch();
    }

    void ack(LedgerPeer p, int count) {
        checkCount(p, count, "ACK");
        p.acked += count;
        for (int i = 0; i < count; i++) {
            p.unackedBytes -= p.unacked.pollFirst().length;
        }
        unackedTotal -= count;
        settleInFlight(p, count);
        if (joinable) {
            tasks.taken(p, count);
        }
        dispatch();
    }

    void returned(LedgerPeer p, int count) {
        checkCount(p, count, "RETURN");
        returnToHead(p, count);
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
        ready.addLast(item);
        tasks.put();
    }

    private void markConsumer(LedgerPeer p) {
        if (!p.consumer) {
            p.consumer = true;
            consumers++;
            LedgerPeer previous = soleConsumer;
            soleConsumer = consumers == 1 ? p : null;
            if (previous != null && previous != soleConsumer) {
                stopPushing(previous);
            }
        }
    }

    /** The peer is no longer sent items ahead: from now on it must ask for what it needs. */
    private static void stopPushing(LedgerPeer p) {
        if (p.pushed) {
            p.pushed = false;
            p.sink.pushOff();
        }
    }

    private void checkCount(LedgerPeer p, int count, String what) {
        if (count < 0 || count > p.unacked.size()) {
            throw new IllegalArgumentException(what + " of " + count + " items from " + p + " on queue " + name
                    + ", which holds " + p.unacked.size() + " unacknowledged items");
        }
    }

    private void checkJoinable(String what) {
        if (!joinable) {
            throw new IllegalArgumentException(what + " on queue " + name + ", which is not joinable");
        }
    }

    /** The first count unacked items are settled: parked ones are the oldest, so they go first. */
    private static void settleInFlight(LedgerPeer p, int count) {
        int parked = Math.max(0, p.parked() + count);
        int fromParked = Math.min(count, parked);
        p.demandedInFlight = Math.max(0, p.demandedInFlight - (count - fromParked));
        if (p.unacked.isEmpty()) {
            p.demandedInFlight = 0;
        }
    }

    private void returnToHead(LedgerPeer p, int count) {
        if (count == 0) {
            return;
        }
        byte[][] back = new byte[count][];
        for (int i = 0; i < count; i++) {
            back[i] = p.unacked.pollFirst();
            p.unackedBytes -= back[i].length;
        }
        for (int i = count - 1; i >= 0; i--) {
            ready.addFirst(back[i]);
        }
        unackedTotal -= count;
        settleInFlight(p, count);
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

    private boolean someoneElseNeeds(LedgerPeer q) {
        if (needy.size() > (needy.contains(q) ? 1 : 0)) {
            return true;
        }
        for (PendingRequest r : polls) {
            if (r.peer != q) {
                return true;
            }
        }
        return false;
    }

    private void deliver(LedgerPeer p, byte kind) {
        byte[] item = ready.pollFirst();
        p.unacked.addLast(item);
        p.unackedBytes += item.length;
        unackedTotal++;
        if (kind != QueueFrames.ITEM_SPECULATIVE) {
            p.demandedInFlight++;
        } else {
            p.pushed = true;
        }
        p.sink.item(kind, item);
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
        if (!needy.isEmpty() || !polls.isEmpty()) {
            for (LedgerPeer q : peers) {
                if (!q.recalling && q.parked() > 0 && someoneElseNeeds(q)) {
                    q.recalling = true;
                    recallsPending++;
                    q.sink.recall();
                }
            }
            if (recallsPending > 0) {
                return;
            }
        }
        while (!ready.isEmpty() && !needy.isEmpty()) {
            Iterator<LedgerPeer> it = needy.iterator();
            LedgerPeer q = it.next();
            it.remove();
            deliver(q, QueueFrames.ITEM_DEMANDED);
            if (--q.demand > 0) {
                needy.add(q);
            }
        }
        while (!polls.isEmpty()) {
            PendingRequest r = polls.pollFirst();
            if (!ready.isEmpty()) {
                deliver(r.peer, QueueFrames.ITEM_NOW);
                r.peer.sink.reply(r.reqId, QueueFrames.OK, 0);
            } else {
                r.peer.sink.reply(r.reqId, QueueFrames.EMPTY, 0);
            }
        }
        LedgerPeer c = soleConsumer;
        if (c != null) {
            while (!ready.isEmpty() && c.parked() < c.prefetchTarget && c.unackedBytes < MAX_PREFETCH_BYTES) {
                deliver(c, QueueFrames.ITEM_SPECULATIVE);
            }
        }
        if (bounded()) {
            admitWaitingPuts();
        }
    }
}
