package dev.multiproc.spi.broker;

import dev.multiproc.spi.frame.FrameWriter;

/**
 * How a {@link QueueClient} reaches its broker: the client-to-broker half of
 * {@link QueueFrames}, one method per shape of command. {@link RemoteLink} sends frames over the process's
 * socket; {@link LocalLink}, used in the process that hosts the broker, applies them to the
 * ledger directly, saving the owner a socket hop each way. The answers come back through the
 * client's {@code on...} methods. Methods may be called with the client's lock held.
 */
interface BrokerLink {
    /** Appends a PUT. */
    void put(byte mode, long reqId, byte[] item);

    /**
     * Appends a command whose one field is a long: a request answered by a REPLY (POLL, SIZE,
     * DONE_CHECK, JOIN, CANCEL, SYNC), its field the request id.
     */
    void longCommand(byte command, long value);

    /** Appends a command whose one field is an int: DEMAND, PREFETCH, RETURN or TASK_DONE. */
    void intCommand(byte command, int value);

    /** One more delivered item was taken (an ACK, which may be sent lazily). */
    void ack();

    /** @param urgency how soon what was sent must reach the broker */
    void flush(FrameWriter.Urgency urgency);

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
