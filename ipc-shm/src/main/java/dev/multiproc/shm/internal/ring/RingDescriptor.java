package dev.multiproc.shm.internal.ring;

/**
 * Layout of one single-producer, single-consumer ring: one direction of a pipe. Offsets are
 * relative to the ring's start in the pipe's body ({@link PipeDescriptor}); each counter has a
 * 128-byte stretch of its own, so that the producer's and the consumer's writes never share a
 * cache line (nor a pair of them, which adjacent-line prefetching fetches together).
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |  tail, long: bytes ever committed (producer, setRelease)      |    0
 *  +---------------------------------------------------------------+
 *  |  head, long: bytes ever consumed (consumer, setRelease)       |  128
 *  +-------------------------------+-------------------------------+
 *  |  data epoch, int (futex word) |  data sleepers, int           |  256  consumer sleeps: ring empty
 *  +-------------------------------+-------------------------------+
 *  |  space epoch, int (futex word)|  space sleepers, int          |  384  producer sleeps: ring full
 *  +-------------------------------+-------------------------------+
 *  |  data: capacity bytes (a power of two) of 8-aligned records   |  512
 *  +---------------------------------------------------------------+
 *
 *  record (at tail mod capacity; never split by the end of the data area):
 *  +-------------------------------+-------------------------------+
 *  |  length, int: payload bytes   |  flags, int: PAD | BEGIN | END|  0  one long, 0: not yet written
 *  +-------------------------------+-------------------------------+
 *  |  BEGIN without END only: the whole message's length, long     |  8
 *  +---------------------------------------------------------------+
 *  |  payload (length bytes), padded to 8                          |  8 or 16
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <b>Ordering.</b> The producer writes a record's payload with plain stores, clears the header
 * after it (a plain store of zero: "not yet"), then publishes the record with a release store of
 * its header, length and flags as one long, which is never zero; a filler is published after the
 * record at offset 0 that it leads to. The consumer loads the header at its head with acquire
 * semantics and reads the record once it is not zero. A record is never visible before it is
 * whole, so a producer killed mid-write leaves nothing torn; and the consumer reads only data
 * lines, never the producer's counters. The producer still stores the tail with release
 * semantics after each record, for an end that moves to another process and for a closing
 * reader's count of what it drops. The consumer stores the head with release semantics after it
 * has copied records out (a quarter ring at a time, or before it waits); the producer loads it
 * with acquire semantics before it reuses those bytes, and keeps one header's room beyond each
 * record so that clearing the next header never touches an unread record.
 *
 * <p><b>Sleeping.</b> A side that finds nothing to do (consumer: empty, producer: full) adds one
 * to its sleepers count (a volatile read-modify-write, so a full fence), reads the epoch, looks
 * again, and only then sleeps in {@code futex(2)} on the epoch. The other side, after it
 * publishes, issues a full fence and reads the sleepers count: only if it is not zero does it bump
 * the epoch and call {@code FUTEX_WAKE}. One of the two always sees the other's write.
 *
 * <p>A message longer than {@link #maxRecordPayload} travels as a BEGIN record carrying its total
 * length, middle records, and an END record; a message that fits one record is BEGIN | END. A
 * PAD record fills the rest of the data area when the next record would not fit before its end.
 */
public final class RingDescriptor {
    /** Offset of the tail (long). */
    public static final int TAIL_OFFSET = 0;
    /** Offset of the head (long). */
    public static final int HEAD_OFFSET = 128;
    /** Offset of the data epoch (int, the consumer's futex word). */
    public static final int DATA_EPOCH_OFFSET = 256;
    /** Offset of the data sleepers count (int). */
    public static final int DATA_SLEEPERS_OFFSET = 260;
    /** Offset of the space epoch (int, the producer's futex word). */
    public static final int SPACE_EPOCH_OFFSET = 384;
    /** Offset of the space sleepers count (int). */
    public static final int SPACE_SLEEPERS_OFFSET = 388;
    /** Offset of the data area. */
    public static final int DATA_OFFSET = 512;

    /** Record header: length then flags. */
    public static final int RECORD_HEADER_BYTES = 8;
    /** The total length a BEGIN record of a fragmented message carries after its header. */
    public static final int TOTAL_BYTES = 8;
    /** Record alignment. */
    public static final int ALIGNMENT = 8;
    /** Flag: filler up to the end of the data area; the next record starts at offset 0. */
    public static final int PAD = 1;
    /** Flag: the first record of a message. */
    public static final int BEGIN = 2;
    /** Flag: the last record of a message. */
    public static final int END = 4;
    /** Smallest data area. */
    public static final int MIN_CAPACITY = 4096;
    /** Largest data area. */
    public static final int MAX_CAPACITY = 1 << 30;

    private RingDescriptor() {
    }

    /**
     * @param capacity the data area's size
     * @return the largest payload one record carries: a quarter of the data area, so that the
     *         producer can write the next fragment while the consumer copies the one before
     */
    public static int maxRecordPayload(int capacity) {
        return capacity / 4 - RECORD_HEADER_BYTES - TOTAL_BYTES;
    }

    /**
     * @param capacity a data area's size
     * @return the ring's whole length (control and data)
     */
    public static long length(int capacity) {
        return DATA_OFFSET + (long) capacity;
    }

    /**
     * @param capacity a proposed data area's size
     * @throws IllegalArgumentException unless it is a power of two within the bounds
     */
    public static void checkCapacity(int capacity) {
        if (capacity < MIN_CAPACITY || capacity > MAX_CAPACITY || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("a ring's capacity must be a power of two from " + MIN_CAPACITY
                    + " to " + MAX_CAPACITY + " bytes, was " + capacity);
        }
    }

    /**
     * @param length a record's payload length
     * @param flags  its flags
     * @return its header as the one long a release store publishes: length in the low half,
     *         flags in the high half (on a little-endian machine, length at offset 0, flags at 4);
     *         never zero, since a record of no payload has flags
     */
    static long header(int length, int flags) {
        return ((long) flags << 32) | (length & 0xFFFF_FFFFL);
    }

    /** @param header a record header @return its payload length */
    static int length(long header) {
        return (int) header;
    }

    /** @param header a record header @return its flags */
    static int flags(long header) {
        return (int) (header >>> 32);
    }

    /**
     * @param payloadAndExtra bytes after the record header
     * @return the record's whole length, header and padding included
     */
    static int recordBytes(int payloadAndExtra) {
        return (RECORD_HEADER_BYTES + payloadAndExtra + ALIGNMENT - 1) & -ALIGNMENT;
    }
}
