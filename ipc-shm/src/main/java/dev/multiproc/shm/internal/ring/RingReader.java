package dev.multiproc.shm.internal.ring;

import dev.multiproc.IpcException;
import dev.multiproc.spi.wait.Deadline;
import dev.multiproc.spi.wait.WaitStrategy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The consumer of one ring ({@link RingDescriptor}): finds the next record below the published
 * tail, checks that its header describes bytes that were committed and that lie inside the data
 * area (a corrupt length fails with an {@link IpcException} instead of reading out of bounds),
 * and, once the caller has copied it out, releases its bytes to the producer. Not thread-safe: the
 * channel's receive lock serializes callers.
 */
final class RingReader {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final ValueLayout.OfLong LONG_AT = ValueLayout.JAVA_LONG;

    private final MemorySegment body;
    private final String label;
    private final long headOffset;
    private final long data;
    private final int capacity;
    private final RingWaits dataWaits;
    private final RingWaits spaceWaits;
    /** This side's copy of the head (only this side writes it). */
    private long head;
    /** The head as last published to the producer: consumed bytes are given back in batches. */
    private long released;
    /** How many consumed bytes are kept back at most before they are given back. */
    private final long releaseEvery;
    /** The current record, set by {@link #next()}. */
    private int length;
    private int flags;
    private int recordBytes;
    private long payload;

    /**
     * @param body       the pipe's body
     * @param ringOffset the ring's offset in it
     * @param capacity   its data area (a power of two)
     * @param waits      spin and yield phases
     * @param label      the receiving end's name, for messages
     */
    RingReader(MemorySegment body, long ringOffset, int capacity, WaitStrategy waits, String label) {
        this.body = body;
        this.label = label;
        this.headOffset = ringOffset + RingDescriptor.HEAD_OFFSET;
        this.data = ringOffset + RingDescriptor.DATA_OFFSET;
        this.capacity = capacity;
        this.dataWaits = new RingWaits(body, ringOffset + RingDescriptor.DATA_EPOCH_OFFSET,
                ringOffset + RingDescriptor.DATA_SLEEPERS_OFFSET, waits);
        this.spaceWaits = new RingWaits(body, ringOffset + RingDescriptor.SPACE_EPOCH_OFFSET,
                ringOffset + RingDescriptor.SPACE_SLEEPERS_OFFSET, waits);
        this.head = (long) LONG.getAcquire(body, headOffset); // an end that moved here resumes where it was
        this.released = head;
        this.releaseEvery = capacity / 4;
    }

    /**
     * @return whether a record is committed at the head: its header is not zero (acquire: the
     *         record's bytes, and for a filler the record after it, are then visible). Only data
     *         lines are read, so the producer's counters never travel between the two sides.
     */
    boolean hasRecord() {
        return headerAt(head) != 0;
    }

    private long headerAt(long position) {
        return (long) LONG.getAcquire(body, data + (position & (capacity - 1)));
    }

    /**
     * Waits for a record.
     *
     * @param deadline when to give up
     * @param onSlice  run between kernel sleeps while the ring is empty (may throw, or make
     *                 {@code alsoDone} true)
     * @param alsoDone a second reason to stop waiting (the writer is gone)
     * @return whether a record is there
     */
    boolean await(Deadline deadline, Runnable onSlice, java.util.function.BooleanSupplier alsoDone) {
        if (hasRecord()) {
            return true;
        }
        release(); // before waiting: the producer may be waiting for these bytes
        dataWaits.await(() -> hasRecord() || alsoDone.getAsBoolean(), deadline, onSlice);
        return hasRecord();
    }

    /**
     * Moves to the next data record, past a PAD; call only when {@link #hasRecord()}.
     *
     * @throws IpcException if the ring's bytes are not a valid record
     */
    void next() {
        int at = (int) (head & (capacity - 1));
        long h = headerAt(head);
        int len = RingDescriptor.length(h);
        int f = RingDescriptor.flags(h);
        if (f == RingDescriptor.PAD) {
            int rest = capacity - at;
            if (len != rest - RingDescriptor.RECORD_HEADER_BYTES) {
                throw corrupt(at, "a filler record of " + len + " bytes where " + (rest - RingDescriptor.RECORD_HEADER_BYTES)
                        + " were left before the end of the ring");
            }
            head += rest;
            at = 0;
            h = headerAt(head);
            if (h == 0) {
                throw corrupt(at, "no record after the filler that leads to it");
            }
            len = RingDescriptor.length(h);
            f = RingDescriptor.flags(h);
        }
        if ((f & ~(RingDescriptor.BEGIN | RingDescriptor.END)) != 0) {
            throw corrupt(at, "flags 0x" + Integer.toHexString(f));
        }
        int extra = f == RingDescriptor.BEGIN ? RingDescriptor.TOTAL_BYTES : 0;
        long bytes = len < 0 ? -1 : ((RingDescriptor.RECORD_HEADER_BYTES + (long) extra + len + 7) & -8L);
        if (bytes < 0 || at + bytes > capacity) {
            throw corrupt(at, "a length of " + len + " bytes, but " + (capacity - at)
                    + " are left before the end of the ring");
        }
        length = len;
        flags = f;
        recordBytes = (int) bytes;
        payload = data + at + RingDescriptor.RECORD_HEADER_BYTES + extra;
    }

    private IpcException corrupt(int at, String what) {
        return new IpcException(label + ": the shared-memory ring is corrupt: the record at offset " + at
                + " (position " + head + ") has " + what + "; the pipe cannot be read any further");
    }

    /** @return the current record's payload length */
    int length() {
        return length;
    }

    /** @return whether the current record starts a message */
    boolean isBegin() {
        return (flags & RingDescriptor.BEGIN) != 0;
    }

    /** @return whether the current record ends a message */
    boolean isEnd() {
        return (flags & RingDescriptor.END) != 0;
    }

    /** @return the whole message's length, carried by a BEGIN record that is not also END */
    long total() {
        return body.get(LONG_AT, payload - RingDescriptor.TOTAL_BYTES);
    }

    /** @return the current record's payload, valid until {@link #consume()} */
    MemorySegment payload() {
        return body.asSlice(payload, length);
    }

    /**
     * Copies the current record's payload out.
     *
     * @param into where
     * @param at   from which index
     */
    void copyTo(byte[] into, int at) {
        MemorySegment.copy(body, ValueLayout.JAVA_BYTE, payload, into, at, length);
    }

    /**
     * Moves past the current record. Its bytes go back to the producer with the next
     * {@link #release()}: once a quarter of the ring is consumed, before this side waits, or when
     * the caller asks; a stream of small messages so pays one fence per quarter ring, not one per
     * message.
     */
    void consume() {
        head += recordBytes;
        if (head - released >= releaseEvery) {
            release();
        }
    }

    /** Gives every consumed byte back to the producer, waking it if it waits for space. */
    void release() {
        if (released != head) {
            released = head;
            LONG.setRelease(body, headOffset, head); // the producer may now overwrite them
            spaceWaits.wake();
        }
    }

    /** Wakes the writer, whatever it waits for (this end closes). */
    void wakeWriter() {
        spaceWaits.wakeAll();
    }

    /** Wakes a thread of this side waiting for data (this end closes). */
    void wakeSelf() {
        dataWaits.wakeAll();
    }
}
