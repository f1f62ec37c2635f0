package dev.multiproc.spi.broker;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The items of a queue that no consumer holds, numbered as they are put. An item goes to a
 * consumer only if it is newer than every item that consumer was sent and still holds or took
 * ({@link QueueItem#canFollow}), so that each consumer takes each producer's items in the order
 * they were put, though several consumers are sent items ahead at once and a consumer may give
 * items back (a recall). Three parts:
 * <pre>
 *   orphans   items of a consumer that disconnected: any consumer, first
 *   returned  items given back, by number: the oldest one a consumer can follow, next
 *   fresh     items never sent, in put order: newer than anything ever sent, so any consumer can follow the head
 * </pre>
 * A consumer that gave items back can follow each of them (it took only older ones), and takes
 * the oldest it can follow first, so given-back items are not stranded while it consumes; if a
 * consumer waits while the only ones left are given-back items it cannot follow, and no consumer
 * that could took them, they are freed from the rule ({@link #orphanReturned}): an item is
 * delivered rather than kept in order forever.
 * Not thread-safe: the ledger's.
 */
final class ReadyItems {
    private final ArrayDeque<QueueItem> orphans = new ArrayDeque<>();
    private final TreeMap<Long, QueueItem> returned = new TreeMap<>();
    /**
     * Just the bytes: a broker whose producers run ahead holds millions of them, and their numbers
     * follow from their place (the head's is {@code nextSeq - fresh.size()}), so an item becomes a
     * {@link QueueItem} only once it is sent.
     */
    private final ArrayDeque<byte[]> fresh = new ArrayDeque<>();
    /** The number of the next item put. */
    private long nextSeq;

    /** @param bytes an item just put, to the tail */
    void add(byte[] bytes) {
        fresh.addLast(bytes);
        nextSeq++;
    }

    /** @param back items given back or left by a gone consumer, oldest first */
    void returnToHead(List<QueueItem> back) {
        for (int i = back.size() - 1; i >= 0; i--) {
            QueueItem item = back.get(i);
            if (item.anyOrder()) {
                orphans.addFirst(item);
            } else {
                returned.put(item.seq(), item);
            }
        }
    }

    /**
     * @param newestSeq the newest item the consumer was sent and still holds or took
     * @return the oldest item it can follow, removed; or null if there is none
     */
    QueueItem takeFor(long newestSeq) {
        if (!orphans.isEmpty()) {
            return orphans.pollFirst();
        }
        if (!returned.isEmpty()) {
            Map.Entry<Long, QueueItem> oldest = returned.higherEntry(newestSeq);
            if (oldest != null) {
                return returned.remove(oldest.getKey());
            }
        }
        if (fresh.isEmpty()) {
            return null;
        }
        long seq = nextSeq - fresh.size();
        return new QueueItem(seq, fresh.pollFirst(), false);
    }

    /**
     * Frees the given-back items from the order rule: when a consumer waits and none of them can
     * follow what it took, while no consumer that could is taking them, they must not wait forever.
     *
     * @return whether there were any
     */
    boolean orphanReturned() {
        if (returned.isEmpty()) {
            return false;
        }
        for (QueueItem item : returned.values()) {
            orphans.addLast(item.orphaned());
        }
        returned.clear();
        return true;
    }

    /** @return whether items given back wait for a consumer that can take them in order */
    boolean hasReturned() {
        return !returned.isEmpty();
    }

    /** @return how many there are */
    int size() {
        return orphans.size() + returned.size() + fresh.size();
    }

    /** @return whether there is none */
    boolean isEmpty() {
        return orphans.isEmpty() && returned.isEmpty() && fresh.isEmpty();
    }
}
