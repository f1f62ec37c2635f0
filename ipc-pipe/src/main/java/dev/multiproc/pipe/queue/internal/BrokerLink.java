package dev.multiproc.pipe.queue.internal;

/**
 * How a {@link QueueClient} reaches its broker: the client-to-broker half of
 * {@link QueueProtocol}, one method per frame. {@link RemoteLink} sends frames over the process's
 * socket; {@link LocalLink}, used in the process that hosts the broker, applies them to the
 * ledger directly, saving the owner a socket hop each way. The answers come back through the
 * client's {@code on...} methods. Methods may be called with the client's lock held.
 */
interface BrokerLink {
    void put(byte mode, long reqId, byte[] item);

    void demand(int delta);

    void poll(long reqId);

    void prefetch(int target);

    /** One more delivered item was taken (may be sent lazily). */
    void ack();

    void returned(int count);

    void size(long reqId);

    void taskDone(int count);

    void doneCheck(long reqId);

    void join(long reqId);

    void cancel(long reqId);

    void sync(long reqId);

    /** Waits while too much is unsent (remote only). */
    void awaitRoom();

    /** @param urgency how soon what was sent must reach the broker */
    void flush(Outbox.Urgency urgency);

    /**
     * Called by a thread that waits for an item, with the client's lock held: serves the broker's
     * connections in this thread for one round if the broker lives in this process and nobody
     * else serves them (see {@link QueueBroker#serveWhileWaitingLocked}).
     *
     * @param nanos how long the caller may wait; negative: no limit
     * @return true after one round (the caller checks again); false if the caller must wait to be signalled
     */
    default boolean serveWhileWaiting(long nanos) {
        return false;
    }

    /** Disconnects: the broker returns undelivered items to the head and forgets this process. */
    void close();
}
