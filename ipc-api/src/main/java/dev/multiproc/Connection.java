package dev.multiproc;

import java.time.Duration;

/**
 * One end of a {@link Pipe}: message-oriented, boundaries kept. Serializable as a handle: an end
 * captured by a lambda or passed to a child is used there. An end is open in one process only.
 * Sends from several threads are serialized; so are receives.
 */
public interface Connection extends AutoCloseable {
    /**
     * Sends an object through the {@link Serializer}.
     *
     * @param message the object (null allowed)
     * @throws SerializationException if it cannot be serialized; nothing is sent
     * @throws ConnectionClosedException if this end or the peer is closed
     */
    void send(Object message);

    /**
     * Receives the next object, waiting for it.
     *
     * @param <T> the expected type
     * @return the object
     * @throws ConnectionClosedException at end of stream (peer closed or dead)
     */
    <T> T recv();

    /**
     * @param timeout how long to wait; zero or negative does not wait
     * @return whether a message can be received without blocking
     */
    boolean poll(Duration timeout);

    /** @param data bytes sent as one message */
    void sendBytes(byte[] data);

    /**
     * @param data   the array
     * @param offset first byte of the message
     * @param length number of bytes
     */
    void sendBytes(byte[] data, int offset, int length);

    /** @return the next message as bytes */
    byte[] recvBytes();

    /**
     * Receives the next message into {@code buffer} at {@code offset}.
     *
     * @param buffer destination
     * @param offset where to start writing
     * @return the message length
     * @throws BufferTooShortException if it does not fit; the message is consumed and carried by the exception
     */
    int recvBytesInto(byte[] buffer, int offset);

    /** @return whether this end may receive */
    boolean isReadable();

    /** @return whether this end may send */
    boolean isWritable();

    /** @return whether this end is closed */
    boolean isClosed();

    /** Closes this end; idempotent. The peer then sees end of stream. */
    @Override
    void close();
}
