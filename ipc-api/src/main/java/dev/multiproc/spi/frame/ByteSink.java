package dev.multiproc.spi.frame;

import java.lang.foreign.MemorySegment;

/**
 * Where a {@link FrameWriter} writes: a socket of some transport. The writer hands it native
 * memory only, so an FFM {@code send(2)} and an NIO channel both take it without a copy.
 * Called by one thread at a time (the writer's lock).
 */
public interface ByteSink {
    /**
     * Writes from {@code source[offset, offset + length)}.
     *
     * @param source native memory
     * @param offset first byte
     * @param length bytes to write, more than zero
     * @param block  whether to wait until at least one byte is written
     * @return bytes written; 0 only when {@code block} is false and the socket is full
     * @throws dev.multiproc.ConnectionClosedException if the peer is gone (closed, exited)
     * @throws dev.multiproc.IpcException              for any other write failure, naming it
     */
    long write(MemorySegment source, long offset, long length, boolean block);

    /**
     * Waits until the socket can take bytes again, at most the given time.
     *
     * @param timeoutNanos the longest wait
     */
    void awaitWritable(long timeoutNanos);
}
