package dev.multiproc.spi.broker;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Iterator;

/**
 * What the {@link QueueLedger} knows of one connected process: its demand, the items sent to it
 * and not yet acknowledged, whether it is sent items ahead, and the taskDone() backing it holds.
 * Not thread-safe: the ledger's.
 */
final class LedgerPeer {
    /** A request of a process that waits in the ledger for its answer (a blocked put, a join). */
    interface Waiting {
        /** @return the process that asked */
        LedgerPeer peer();

        /** @return its request id */
        long reqId();
    }

    final PeerSink sink;
    long pid;
    /** Threads of this process waiting, not yet sent an item. */
    int demand;
    /** Sent, not yet acknowledged, in the order sent. */
    final ArrayDeque<QueueItem> unacked = new ArrayDeque<>();
    /** The newest item (by put order) this process was sent and still holds or took; -1 for none. */
    long newestSeq = -1;
    /** The newest item this process took (acknowledged); -1 for none. */
    long newestTakenSeq = -1;
    long unackedBytes;
    /** Unacked items that a waiting thread asked for (the rest are parked). */
    int demandedInFlight;
    int prefetchTarget;
    boolean recalling;
    /** Its last recall gave nothing back, and it was neither sent an item nor acknowledged one since. */
    boolean heldNothing;
    /** Items this process took and has not marked done (joinable queues). */
    long taskCredit;
    /** Items this process acknowledged, in all. */
    long acked;
    /** The client's {@link QueueJournal} file, from its HELLO, or null. */
    String journal;

    LedgerPeer(PeerSink sink) {
        this.sink = sink;
    }

    /**
     * Sends an item and notes that this peer holds it, unacknowledged.
     *
     * @param item the item, which keeps this peer's order
     * @param kind the ITEM frame's kind: for a demand, now, or speculative
     */
    void send(QueueItem item, byte kind) {
        unacked.addLast(item);
        heldNothing = false;
        unackedBytes += item.bytes().length;
        if (!item.anyOrder()) {
            newestSeq = Math.max(newestSeq, item.seq());
        }
        if (kind != QueueFrames.ITEM_SPECULATIVE) {
            demandedInFlight++;
        }
        sink.item(kind, item.bytes());
    }

    /** Recomputes {@link #newestSeq} after items were given back: what is still held or was taken. */
    void forgetReturned() {
        long newest = newestTakenSeq;
        for (QueueItem item : unacked) {
            if (!item.anyOrder()) {
                newest = Math.max(newest, item.seq());
            }
        }
        newestSeq = newest;
    }

    /**
     * @param other another process that waits for an item
     * @return whether this one holds parked items the other could take in order, which a recall would free
     */
    boolean holdsItemsFor(LedgerPeer other) {
        // unacked, not parked(): an item sent for a demand may sit untaken when another item
        // served the waiting thread first, and only the client knows
        return other != this && !recalling && !heldNothing && !unacked.isEmpty() && newestSeq > other.newestSeq;
    }

    /**
     * @param count items an ACK or RETURN of this process names
     * @throws IllegalArgumentException if it does not hold that many unacknowledged items
     */
    void checkHolds(int count, String what, String queue) {
        if (count < 0 || count > unacked.size()) {
            throw new IllegalArgumentException(what + " of " + count + " items from " + this + " on queue " + queue
                    + ", which holds " + unacked.size() + " unacknowledged items");
        }
    }

    /** The first count unacked items were settled (taken or given back): parked ones are the oldest, so they go first. */
    void settled(int count) {
        int parkedBefore = Math.max(0, parked() + count);
        int fromParked = Math.min(count, parkedBefore);
        demandedInFlight = Math.max(0, demandedInFlight - (count - fromParked));
        if (unacked.isEmpty()) {
            demandedInFlight = 0;
        }
    }

    /** @return items held by the process with no thread waiting for them */
    int parked() {
        return unacked.size() - demandedInFlight;
    }

    /**
     * Cancels a request of this process that waits in {@code waiting}: removes it and answers it
     * CANCELLED.
     *
     * @return whether it was waiting there (else it was already answered, or waits elsewhere)
     */
    boolean cancel(Collection<? extends Waiting> waiting, long reqId) {
        for (Iterator<? extends Waiting> it = waiting.iterator(); it.hasNext(); ) {
            Waiting w = it.next();
            if (w.peer() == this && w.reqId() == reqId) {
                it.remove();
                sink.reply(reqId, QueueFrames.CANCELLED, 0);
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "process " + pid;
    }
}
