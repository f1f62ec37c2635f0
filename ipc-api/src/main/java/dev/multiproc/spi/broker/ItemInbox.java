package dev.multiproc.spi.broker;

import dev.multiproc.spi.broker.PendingReplies.Reply;
import dev.multiproc.spi.frame.FrameWriter.Urgency;
import dev.multiproc.spi.wait.Deadline;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The consuming side of a {@link QueueClient}: the items the broker delivered to this process and
 * not yet taken, the threads waiting for one, and how many items the broker was asked for. A take
 * acknowledges its item (an ACK, sent LATER, but counted in the client's {@link QueueJournal}
 * before the take returns, so the broker knows of it even if this process is killed) and only
 * then is the item gone from the queue; for a
 * joinable queue it also backs one {@code taskDone()} of this process, which then needs no round
 * trip. While the broker sends this process items ahead, a waiting thread asks for nothing at
 * first: items come without a round trip. Only a thread that has waited {@link #STARVING_NANOS}
 * with nothing arriving sends a DEMAND, which makes the broker recall the items other consumers
 * hold without using (a consumer busy with a long task must not sit on a backlog while this one
 * idles). Without items sent ahead, each waiting thread is one unit of DEMAND at once. Guarded by
 * the client's lock; not thread-safe on its own.
 */
final class ItemInbox {
    /** How long a thread waits for items sent ahead before it asks for one (and so for a recall). */
    static final long STARVING_NANOS = 1_000_000;
    private final QueueClient client;
    private final ReentrantLock lock;
    private final Condition itemArrived;
    private final ArrayDeque<byte[]> items = new ArrayDeque<>();
    private int waiters;
    private int demandOut;
    private boolean prefetchSent;
    /** The broker sends this process items ahead: a waiting thread demands only once starving. */
    private boolean pushed;
    /** Items taken here and not yet marked done (joinable queues). */
    private long taskCredit;

    ItemInbox(QueueClient client, ReentrantLock lock, Condition itemArrived) {
        this.client = client;
        this.lock = lock;
        this.itemArrived = itemArrived;
    }

    /**
     * @param out     the link to the broker
     * @param timeout how long to wait; a passed deadline only looks (a POLL)
     * @return the head item, or null on timeout
     * @throws InterruptedException if interrupted while waiting (no item was consumed)
     */
    byte[] take(BrokerLink out, Deadline timeout) throws InterruptedException {
        if (timeout.isExpired()) {
            return pollNow(out);
        }
        long nanos = timeout.isTimed() ? timeout.remainingNanos() : -1;
        long deadline = nanos < 0 ? 0 : System.nanoTime() + nanos; // an untimed take reads no clock unless it waits
        byte[] item;
        boolean waited = false;
        long waitingSince = 0;
        lock.lockInterruptibly();
        try {
            if (!prefetchSent) {
                prefetchSent = true;
                out.intCommand(QueueFrames.PREFETCH, BrokerProxy.PREFETCH_TARGET);
            }
            while (true) {
                client.checkUsableLocked();
                item = items.pollFirst();
                if (item != null) {
                    takenLocked(out);
                    // served by an item sent ahead: the broker must not keep a demand for this thread;
                    // telling it lazily is enough, since an item it still sends for that demand becomes
                    // parked here, which the broker recalls when another process needs one
                    withdrawExcessDemandLocked(out, Urgency.LATER);
                    break;
                }
                long left = nanos < 0 ? Long.MAX_VALUE : deadline - System.nanoTime();
                if (left <= 0) {
                    withdrawExcessDemandLocked(out, Urgency.NOW);
                    break;
                }
                waiters++;
                try {
                    long now = System.nanoTime();
                    if (!waited) {
                        waited = true;
                        waitingSince = now;
                    }
                    long starveLeft = pushed ? STARVING_NANOS - (now - waitingSince) : 0;
                    if (starveLeft <= 0 && waiters > demandOut) {
                        int more = waiters - demandOut;
                        demandOut = waiters;
                        out.intCommand(QueueFrames.DEMAND, more);
                        out.flush(Urgency.NOW);
                        if (!items.isEmpty()) { // an in-process broker answers in place
                            waiters--;
                            continue;
                        }
                    }
                    long slice = nanos < 0 ? -1 : left;
                    if (starveLeft > 0) {
                        slice = slice < 0 ? starveLeft : Math.min(slice, starveLeft);
                    }
                    if (out.serveWhileWaiting(slice)) {
                        // this thread served the broker's connections itself (owner process)
                        if (Thread.interrupted()) {
                            throw new InterruptedException("interrupted while waiting for an item of queue "
                                    + client.queue().name());
                        }
                    } else if (slice < 0) {
                        itemArrived.await();
                    } else {
                        itemArrived.awaitNanos(slice);
                    }
                } catch (InterruptedException e) {
                    waiters--;
                    if (!items.isEmpty()) {
                        itemArrived.signal(); // pass on a wake-up this thread may have consumed
                    }
                    withdrawExcessDemandLocked(out, Urgency.NOW);
                    throw e;
                }
                waiters--;
            }
        } finally {
            lock.unlock();
        }
        out.flush(Urgency.LATER);
        return item;
    }

    private byte[] pollNow(BrokerLink out) {
        byte[] here = takeHeld(out, true);
        if (here != null) {
            return here;
        }
        PendingReplies replies = client.replies();
        long id = replies.next();
        CompletableFuture<Reply> reply = replies.expect(id, client::goneOrNull);
        out.longCommand(QueueFrames.POLL, id);
        out.flush(Urgency.NOW);
        PendingReplies.awaitUninterruptibly(reply);
        try {
            return takeHeld(out, false);
        } finally {
            out.flush(Urgency.LATER);
        }
    }

    /** @return the first item held here, taken, or null if none is */
    private byte[] takeHeld(BrokerLink out, boolean checkUsable) {
        lock.lock();
        try {
            if (checkUsable) {
                client.checkUsableLocked();
            }
            byte[] item = items.pollFirst();
            if (item != null) {
                takenLocked(out);
            }
            return item;
        } finally {
            lock.unlock();
        }
    }

    private void takenLocked(BrokerLink out) {
        out.ack();
        if (client.queue().joinable()) {
            taskCredit++;
        }
    }

    /** Tells the broker that fewer threads wait than it was told. */
    private void withdrawExcessDemandLocked(BrokerLink out, Urgency urgency) {
        int excess = demandOut - waiters;
        if (excess > 0) {
            demandOut = waiters;
            out.intCommand(QueueFrames.DEMAND, -excess);
            out.flush(urgency);
        }
    }

    /** @return whether an item taken here backs one more taskDone() (it is then spent) */
    boolean spendTaskCreditLocked() {
        if (taskCredit > 0) {
            taskCredit--;
            return true;
        }
        return false;
    }

    /** @return whether items delivered here wait to be taken */
    boolean holdsItemsLocked() {
        return !items.isEmpty();
    }

    /** An item arrived. */
    void onItem(byte kind, byte[] item) {
        lock.lock();
        try {
            if (kind == QueueFrames.ITEM_DEMANDED && demandOut > 0) {
                demandOut--;
            } else if (kind == QueueFrames.ITEM_SPECULATIVE) {
                pushed = true;
            }
            items.addLast(item);
            itemArrived.signal();
        } finally {
            lock.unlock();
        }
    }

    /** The background reader stopped reading so that a waiting taker reads instead. */
    void onServeFree() {
        lock.lock();
        try {
            if (waiters > 0) {
                itemArrived.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The broker wants back the items held here and not handed out. */
    void onRecall(BrokerLink out) {
        lock.lock();
        try {
            int held = items.size();
            items.clear();
            out.intCommand(QueueFrames.RETURN, held);
            demandForWaitersLocked(out);
        } finally {
            lock.unlock();
        }
        out.flush(Urgency.NOW);
    }

    private void demandForWaitersLocked(BrokerLink out) {
        if (waiters > demandOut) {
            out.intCommand(QueueFrames.DEMAND, waiters - demandOut);
            demandOut = waiters;
        }
    }

    /** Another process's taskDone() used up some of this process's backing. */
    void onRevoke(int n) {
        lock.lock();
        try {
            taskCredit = Math.max(0, taskCredit - n);
        } finally {
            lock.unlock();
        }
    }
}
