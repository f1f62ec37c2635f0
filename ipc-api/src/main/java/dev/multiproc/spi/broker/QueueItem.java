package dev.multiproc.spi.broker;

/**
 * One item of a brokered queue, as the broker keeps it: its bytes and its place in the order of
 * puts. Immutable.
 *
 * @param seq      its number in the order the broker received the puts
 * @param bytes    the serialized item
 * @param anyOrder whether it may go to any consumer whatever it was sent before: set on the items
 *                 of a consumer that disconnected holding them, which no consumer's order can then
 *                 be allowed to strand
 */
record QueueItem(long seq, byte[] bytes, boolean anyOrder) {
    /** @return this item, free of the order rule */
    QueueItem orphaned() {
        return anyOrder ? this : new QueueItem(seq, bytes, true);
    }

    /**
     * @param newestSeq the newest item a consumer was sent and still holds or took
     * @return whether sending this item to it keeps each consumer's items in put order
     */
    boolean canFollow(long newestSeq) {
        return anyOrder || seq > newestSeq;
    }
}
