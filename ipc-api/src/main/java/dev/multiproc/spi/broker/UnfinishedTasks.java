package dev.multiproc.spi.broker;

import java.util.ArrayList;
import java.util.List;

/**
 * The task count of a joinable queue, kept by its {@link QueueLedger}: items put and not yet
 * marked done (Python's unfinished-tasks counter), the processes waiting in {@code join()}, and the
 * taskDone() backing each process holds. A process earns one unit of backing per item it took
 * (acknowledged); a taskDone() spends its own backing, else an item nobody holds backing for, else
 * (while items are unfinished) another process's backing, which is then revoked. One taskDone()
 * more than items were put is an error. Not thread-safe: the ledger's.
 */
final class UnfinishedTasks {
    private record Join(LedgerPeer peer, long reqId) implements LedgerPeer.Waiting {
    }

    private final String queueName;
    private final List<LedgerPeer> peers;
    private final List<Join> joins = new ArrayList<>();
    private long unfinished;
    /** Backing held by processes: at most {@link #unfinished}. */
    private long reserved;

    /**
     * @param queueName the queue's name, for messages
     * @param peers     the ledger's connected processes (read when backing must be revoked)
     */
    UnfinishedTasks(String queueName, List<LedgerPeer> peers) {
        this.queueName = queueName;
        this.peers = peers;
    }

    long count() {
        return unfinished;
    }

    /** An item was put. */
    void put() {
        unfinished++;
    }

    /** The process took {@code count} items: it may mark that many done without asking. */
    void taken(LedgerPeer p, int count) {
        p.taskCredit += count;
        reserved += count;
    }

    /** The process is gone: its backing is free, its joins are dropped. */
    void detach(LedgerPeer p) {
        reserved -= p.taskCredit;
        p.taskCredit = 0;
        joins.removeIf(j -> j.peer == p);
    }

    /** @return null, or why this taskDone() is one too many */
    String done(LedgerPeer p) {
        if (p.taskCredit > 0) {
            p.taskCredit--;
            reserved--;
        } else if (unfinished > reserved) {
            // an item not taken yet, or taken by a process that is gone
        } else if (unfinished > 0) {
            LedgerPeer owner = null;
            for (LedgerPeer q : peers) {
                if (q.taskCredit > 0) {
                    owner = q;
                    break;
                }
            }
            owner.taskCredit--;
            reserved--;
            owner.sink.revoke(1);
        } else {
            return "taskDone() called more times than items were put on queue " + queueName
                    + ": every item has already been marked done";
        }
        unfinished--;
        if (unfinished == 0 && !joins.isEmpty()) {
            for (Join j : joins) {
                j.peer.sink.reply(j.reqId, QueueFrames.OK, 0);
            }
            joins.clear();
        }
        return null;
    }

    /** The process waits until every item is done: answered now if none is unfinished. */
    void join(LedgerPeer p, long reqId) {
        if (unfinished == 0) {
            p.sink.reply(reqId, QueueFrames.OK, 0);
        } else {
            joins.add(new Join(p, reqId));
        }
    }

    /** @return whether a waiting join of the process was cancelled (answered CANCELLED) */
    boolean cancel(LedgerPeer p, long reqId) {
        return p.cancel(joins, reqId);
    }
}
