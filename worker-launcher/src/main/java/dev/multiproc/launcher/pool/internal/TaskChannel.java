package dev.multiproc.launcher.pool.internal;

/**
 * A worker's end of its task channel: whole frames in, whole frames out. Implemented over a
 * {@link dev.multiproc.Connection} in a worker JVM, and over in-memory queues in unit tests.
 */
interface TaskChannel {
    /**
     * @return the next frame, waiting for it
     * @throws dev.multiproc.ConnectionClosedException when the pool closed the channel
     */
    byte[] receive();

    /** @param frame sent as one message */
    void send(byte[] frame);
}
