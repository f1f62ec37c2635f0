package dev.multiproc.shm.internal.ring;

import dev.multiproc.spi.frame.Frame;

import java.lang.foreign.MemorySegment;

/**
 * A received message that fits one record, read in place in the ring: consuming it gives the
 * record's bytes back to the producer. One per receiving end, reused for every such message. Not
 * thread-safe: the receiving thread's.
 */
final class RecordFrame implements Frame {
    private final RingReader reader;
    private boolean consumed = true;

    RecordFrame(RingReader reader) {
        this.reader = reader;
    }

    /** @return this frame, over the reader's current record */
    RecordFrame open() {
        consumed = false;
        return this;
    }

    /** Consumes the frame unless its reader did (after the reader ran, or failed). */
    void consumeIfOpen() {
        if (!consumed) {
            release();
        }
    }

    @Override
    public int length() {
        return reader.length();
    }

    @Override
    public MemorySegment segment() {
        checkOpen();
        return reader.payload();
    }

    @Override
    public byte[] toArray() {
        checkOpen();
        byte[] bytes = new byte[reader.length()];
        reader.copyTo(bytes, 0);
        release();
        return bytes;
    }

    @Override
    public void copyTo(byte[] destination, int at) {
        checkOpen();
        reader.copyTo(destination, at);
        release();
    }

    @Override
    public void release() {
        checkOpen();
        consumed = true;
        reader.consume();
    }

    private void checkOpen() {
        if (consumed) {
            throw new IllegalStateException("this frame was consumed already");
        }
    }
}
