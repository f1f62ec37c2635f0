package dev.multiproc.spi.frame;

import java.lang.foreign.MemorySegment;

/**
 * One whole received frame's payload, as a channel hands it out: valid until it is consumed by
 * {@link #toArray()}, {@link #copyTo} or {@link #release()}, and the channel's next receive needs it
 * consumed. Not thread-safe: the receiving thread's.
 */
public interface Frame {
    /** @return the payload's length */
    int length();

    /** @return the payload, valid until the frame is consumed */
    MemorySegment segment();

    /** @return the payload in an array of its own; consumes the frame */
    byte[] toArray();

    /**
     * Copies the payload and consumes the frame.
     *
     * @param destination where to copy; {@link #length()} bytes must fit from {@code at}
     * @param at          where to start
     */
    void copyTo(byte[] destination, int at);

    /** Consumes the frame without reading it (or after reading {@link #segment()}). */
    void release();
}
