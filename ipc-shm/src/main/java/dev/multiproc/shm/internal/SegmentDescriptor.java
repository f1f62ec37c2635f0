package dev.multiproc.shm.internal;

import dev.multiproc.spi.process.ProcessLiveness;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Layout of the header every Multiproc shared-memory segment starts with. The header is followed
 * by the body, whose layout depends on {@link #KIND_OFFSET the kind} (see the other
 * {@code *Descriptor} classes of this package; their offsets are relative to {@link #BODY_OFFSET}).
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                 Magic 0x4D50534D ("MPSM"), int                |  0  written last (release)
 *  +---------------------------------------------------------------+
 *  |                      Layout version, int                      |  4
 *  +---------------------------------------------------------------+
 *  |                          Kind, int                            |  8
 *  +---------------------------------------------------------------+
 *  |                          Reserved                             | 12
 *  +---------------------------------------------------------------+
 *  |                      Owner pid, long                          | 16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |       Owner start stamp, long (see ProcessLiveness)           | 24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |          Creation time, long (ms since the epoch)             | 32
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                 Body size in bytes, long                      | 40
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     Reserved (16 bytes)                       | 48
 *  +---------------------------------------------------------------+
 *  |                   Body (kind-specific) ...                    | 64
 * </pre>
 *
 * The creator writes every field, then the magic with release semantics; a reader that sees the
 * magic (acquire) sees the rest. A file whose magic is still zero is being created (or its creator
 * died while creating it).
 */
public final class SegmentDescriptor {
    /** "MPSM": Multiproc shared memory. */
    public static final int MAGIC = 0x4D50534D;
    /** Bumped whenever any layout of this package changes. */
    public static final int LAYOUT_VERSION = 1;

    /** Offset of the magic (int). */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the layout version (int). */
    public static final int VERSION_OFFSET = 4;
    /** Offset of the kind of body (int), one of the {@code KIND_*} constants. */
    public static final int KIND_OFFSET = 8;
    /** Offset of the owner's pid (long). */
    public static final int OWNER_PID_OFFSET = 16;
    /** Offset of the owner's start stamp (long), to tell a reused pid from the owner. */
    public static final int OWNER_START_OFFSET = 24;
    /** Offset of the creation time (long, milliseconds since the epoch). */
    public static final int CREATION_TIME_OFFSET = 32;
    /** Offset of the body size (long). */
    public static final int BODY_SIZE_OFFSET = 40;
    /** Length of the header; the body starts here, cache-line aligned. */
    public static final int HEADER_LENGTH = 64;
    /** Offset of the body. */
    public static final int BODY_OFFSET = HEADER_LENGTH;

    /** Body: a {@link ValueDescriptor} holding one int. */
    public static final int KIND_INT = 1;
    /** Body: a {@link ValueDescriptor} holding one long. */
    public static final int KIND_LONG = 2;
    /** Body: a {@link ValueDescriptor} holding one double. */
    public static final int KIND_DOUBLE = 3;
    /** Body: a {@link ValueDescriptor} holding an int array. */
    public static final int KIND_INT_ARRAY = 4;
    /** Body: a {@link ValueDescriptor} holding a long array. */
    public static final int KIND_LONG_ARRAY = 5;
    /** Body: a {@link ValueDescriptor} holding a double array. */
    public static final int KIND_DOUBLE_ARRAY = 6;
    /** Body: raw bytes of a {@code SharedMemory} block. */
    public static final int KIND_MEMORY = 7;
    /** Body: a {@link LockDescriptor lock block}. */
    public static final int KIND_LOCK = 8;
    /** Body: a {@link SemaphoreDescriptor}. */
    public static final int KIND_SEMAPHORE = 9;
    /** Body: an {@link EventDescriptor}. */
    public static final int KIND_EVENT = 10;
    /** Body: a {@link BarrierDescriptor}. */
    public static final int KIND_BARRIER = 11;
    /** Body: a pipe, two ring buffers and the state of its two ends (see {@code ring.PipeDescriptor}). */
    public static final int KIND_PIPE = 12;
    /** Body: a queue of slots and its counters (see {@code queue.SlotQueueDescriptor}). */
    public static final int KIND_QUEUE = 13;
    /** Body: one queue item too large for a slot, written once by its producer, read once and removed. */
    public static final int KIND_QUEUE_ITEM = 14;

    static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private SegmentDescriptor() {
    }

    /**
     * Writes the header of a new segment, magic last.
     *
     * @param segment    the whole mapped file
     * @param kind       the body kind
     * @param ownerPid   the creator's pid
     * @param ownerStart the creator's start stamp
     * @param bodySize   the body size
     */
    static void write(MemorySegment segment, int kind, long ownerPid, long ownerStart, long bodySize) {
        INT.set(segment, (long) VERSION_OFFSET, LAYOUT_VERSION);
        INT.set(segment, (long) KIND_OFFSET, kind);
        LONG.set(segment, (long) OWNER_PID_OFFSET, ownerPid);
        LONG.set(segment, (long) OWNER_START_OFFSET, ownerStart);
        LONG.set(segment, (long) CREATION_TIME_OFFSET, System.currentTimeMillis());
        LONG.set(segment, (long) BODY_SIZE_OFFSET, bodySize);
        INT.setRelease(segment, (long) MAGIC_OFFSET, MAGIC); // publishes every field above
    }

    /**
     * The header of a file written with plain I/O rather than through a mapping (a queue item
     * kept out of line), in native byte order, magic included: the file is published by its name
     * in a slot, not by the magic.
     *
     * @param kind       the body kind
     * @param ownerPid   the pid of the process whose death makes the file an orphan
     * @param ownerStart that process's start stamp
     * @param bodySize   the body size
     * @return a buffer of {@link #HEADER_LENGTH} bytes, ready to write
     */
    public static ByteBuffer header(int kind, long ownerPid, long ownerStart, long bodySize) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_LENGTH).order(ByteOrder.nativeOrder());
        b.putInt(MAGIC_OFFSET, MAGIC).putInt(VERSION_OFFSET, LAYOUT_VERSION).putInt(KIND_OFFSET, kind)
                .putLong(OWNER_PID_OFFSET, ownerPid).putLong(OWNER_START_OFFSET, ownerStart)
                .putLong(CREATION_TIME_OFFSET, System.currentTimeMillis()).putLong(BODY_SIZE_OFFSET, bodySize);
        return b;
    }

    /** @param segment a mapped file @return its magic (acquire) */
    static int magic(MemorySegment segment) {
        return (int) INT.getAcquire(segment, (long) MAGIC_OFFSET);
    }

    /** @param segment a mapped file @return its layout version */
    static int version(MemorySegment segment) {
        return (int) INT.get(segment, (long) VERSION_OFFSET);
    }

    /** @param segment a mapped file @return its body kind */
    static int kind(MemorySegment segment) {
        return (int) INT.get(segment, (long) KIND_OFFSET);
    }

    /** @param segment a mapped file @return its owner's pid */
    static long ownerPid(MemorySegment segment) {
        return (long) LONG.get(segment, (long) OWNER_PID_OFFSET);
    }

    /** @param segment a mapped file @return its owner's start stamp */
    static long ownerStart(MemorySegment segment) {
        return (long) LONG.get(segment, (long) OWNER_START_OFFSET);
    }

    /** @param segment a mapped file @return its creation time in ms since the epoch */
    static long creationTime(MemorySegment segment) {
        return (long) LONG.get(segment, (long) CREATION_TIME_OFFSET);
    }

    /** @param segment a mapped file @return its body size */
    static long bodySize(MemorySegment segment) {
        return (long) LONG.get(segment, (long) BODY_SIZE_OFFSET);
    }

    /** @param kind a kind constant @return its name, for messages */
    public static String kindName(int kind) {
        return switch (kind) {
            case KIND_INT -> "int";
            case KIND_LONG -> "long";
            case KIND_DOUBLE -> "double";
            case KIND_INT_ARRAY -> "int array";
            case KIND_LONG_ARRAY -> "long array";
            case KIND_DOUBLE_ARRAY -> "double array";
            case KIND_MEMORY -> "shared memory";
            case KIND_LOCK -> "lock";
            case KIND_SEMAPHORE -> "semaphore";
            case KIND_EVENT -> "event";
            case KIND_BARRIER -> "barrier";
            case KIND_PIPE -> "pipe";
            case KIND_QUEUE -> "queue";
            case KIND_QUEUE_ITEM -> "queue item";
            default -> "unknown kind " + kind;
        };
    }
}
