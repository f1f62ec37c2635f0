package dev.multiproc.shm.internal.ring;

import dev.multiproc.spi.wait.Deadline;
import dev.multiproc.spi.wait.WaitStrategy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The producer of one ring ({@link RingDescriptor}): writes whole messages as records, a message
 * longer than one record as BEGIN, middle and END fragments, each published as soon as it is
 * written so that the consumer copies one while the next is written. Waits for space as
 * {@link RingWaits} does. Not thread-safe: the channel's send lock serializes callers.
 */
final class RingWriter {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final ValueLayout.OfLong LONG_AT = ValueLayout.JAVA_LONG;

    private final MemorySegment body;
    private final long tailOffset;
    private final long headOffset;
    private final long data;
    private final int capacity;
    private final int maxRecordPayload;
    private final RingWaits spaceWaits;
    private final RingWaits dataWaits;
    /** This side's copy of the tail (only this side writes it). */
    private long tail;
    /** The head as last read: the consumer has consumed at least this much. */
    private long headCache;

    /**
     * @param body       the pipe's body
     * @param ringOffset the ring's offset in it
     * @param capacity   its data area (a power of two)
     * @param waits      spin and yield phases
     */
    RingWriter(MemorySegment body, long ringOffset, int capacity, WaitStrategy waits) {
        this.body = body;
        this.tailOffset = ringOffset + RingDescriptor.TAIL_OFFSET;
        this.headOffset = ringOffset + RingDescriptor.HEAD_OFFSET;
        this.data = ringOffset + RingDescriptor.DATA_OFFSET;
        this.capacity = capacity;
        this.maxRecordPayload = RingDescriptor.maxRecordPayload(capacity);
        this.spaceWaits = new RingWaits(body, ringOffset + RingDescriptor.SPACE_EPOCH_OFFSET,
                ringOffset + RingDescriptor.SPACE_SLEEPERS_OFFSET, waits);
        this.dataWaits = new RingWaits(body, ringOffset + RingDescriptor.DATA_EPOCH_OFFSET,
                ringOffset + RingDescriptor.DATA_SLEEPERS_OFFSET, waits);
        this.tail = (long) LONG.getAcquire(body, tailOffset); // an end that moved here resumes where it was
        this.headCache = (long) LONG.getAcquire(body, headOffset);
    }

    /**
     * Writes one message, waiting for space as needed.
     *
     * @param source  its bytes
     * @param offset  first byte
     * @param length  how many
     * @param onSlice run between kernel sleeps while the ring is full; throws to give up (the
     *                reader is gone, this end was closed)
     */
    void write(byte[] source, int offset, int length, Runnable onSlice) {
        if (length <= maxRecordPayload) {
            writeRecord(source, offset, length, RingDescriptor.BEGIN | RingDescriptor.END, -1, onSlice);
            return;
        }
        int first = maxRecordPayload;
        writeRecord(source, offset, first, RingDescriptor.BEGIN, length, onSlice);
        int done = first;
        while (done < length) {
            int n = Math.min(maxRecordPayload, length - done);
            writeRecord(source, offset + done, n, done + n == length ? RingDescriptor.END : 0, -1, onSlice);
            done += n;
        }
    }

    /** @param total the message's length, carried by a BEGIN record of a fragmented message; else -1 */
    private void writeRecord(byte[] source, int offset, int length, int flags, long total, Runnable onSlice) {
        int extra = total >= 0 ? RingDescriptor.TOTAL_BYTES : 0;
        int need = RingDescriptor.recordBytes(extra + length);
        int at = (int) (tail & (capacity - 1));
        int toEnd = capacity - at;
        int pad = need > toEnd ? toEnd : 0;
        // room for a filler, the record, and the header after it, which is cleared before the record is published
        awaitSpace(pad + need + RingDescriptor.RECORD_HEADER_BYTES, onSlice);
        int start = pad > 0 ? 0 : at;
        long r = data + start;
        if (extra > 0) {
            body.set(LONG_AT, r + RingDescriptor.RECORD_HEADER_BYTES, total); // plain: published by the header below
        }
        MemorySegment.copy(source, offset, body, ValueLayout.JAVA_BYTE, r + RingDescriptor.RECORD_HEADER_BYTES + extra, length);
        body.set(LONG_AT, data + ((start + need) & (capacity - 1)), 0L); // plain: the next header reads "not yet"
        LONG.setRelease(body, r, RingDescriptor.header(length, flags)); // publishes the record
        if (pad > 0) {
            // published after the record it leads to: a reader that sees the filler sees that record
            LONG.setRelease(body, data + at, RingDescriptor.header(pad - RingDescriptor.RECORD_HEADER_BYTES, RingDescriptor.PAD));
        }
        tail += pad + need;
        LONG.setRelease(body, tailOffset, tail); // for an end that moves here and for what a closing reader drops
        dataWaits.wake();
    }

    private void awaitSpace(int bytes, Runnable onSlice) {
        if (hasSpace(bytes)) {
            return;
        }
        spaceWaits.await(() -> hasSpace(bytes), Deadline.never(), onSlice);
    }

    private boolean hasSpace(int bytes) {
        if (capacity - (tail - headCache) >= bytes) {
            return true;
        }
        headCache = (long) LONG.getAcquire(body, headOffset); // the consumer is done with what is below it
        return capacity - (tail - headCache) >= bytes;
    }

    /**
     * @param length a message's length
     * @return false if writing it may have to wait for space, judged on the head as last read
     *         (so it errs towards false)
     */
    boolean mayHaveRoomFor(int length) {
        long need = RingDescriptor.recordBytes(RingDescriptor.TOTAL_BYTES + Math.min(length, maxRecordPayload));
        return capacity - (tail - headCache) >= 2 * need; // twice: room for a filler at the wrap too
    }

    /** Wakes the reader, whatever it waits for (this end closes). */
    void wakeReader() {
        dataWaits.wakeAll();
    }

    /** Wakes a thread of this side waiting for space (this end closes). */
    void wakeSelf() {
        spaceWaits.wakeAll();
    }

    /** @return bytes written and not yet consumed */
    long unconsumedBytes() {
        return tail - (long) LONG.getAcquire(body, headOffset);
    }
}
