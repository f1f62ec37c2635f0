package dev.multiproc.shm.internal.ring;

import dev.multiproc.spi.frame.Frame;

import java.lang.foreign.MemorySegment;

/**
 * A received message that came in fragments, assembled in an array of its own (handed out
 * without a copy by {@link #toArray()}). Not thread-safe: the receiving thread's.
 */
final class AssembledFrame implements Frame {
    private final byte[] bytes;

    /** @param bytes the whole message, exactly */
    AssembledFrame(byte[] bytes) {
        this.bytes = bytes;
    }

    @Override
    public int length() {
        return bytes.length;
    }

    @Override
    public MemorySegment segment() {
        return MemorySegment.ofArray(bytes);
    }

    @Override
    public byte[] toArray() {
        return bytes;
    }

    @Override
    public void copyTo(byte[] destination, int at) {
        System.arraycopy(bytes, 0, destination, at, bytes.length);
    }

    @Override
    public void release() {
        // nothing is held in the ring
    }
}
