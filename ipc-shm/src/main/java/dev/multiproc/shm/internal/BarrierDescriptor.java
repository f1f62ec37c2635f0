package dev.multiproc.shm.internal;

/**
 * Layout of a barrier (the body of a {@link SegmentDescriptor#KIND_BARRIER} segment): a
 * {@link LockDescriptor lock block} whose condition 0 waiters sleep on, then the barrier record,
 * read and written only under that lock.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |          Lock block (LockDescriptor, 1088 bytes)              |     0
 *  +---------------------------------------------------------------+
 *  |                       parties, int                            |  1088
 *  +---------------------------------------------------------------+
 *  |         count, int: parties still to arrive this generation   |  1092
 *  +---------------------------------------------------------------+
 *  |                 generation, long (+1 per trip or reset)       |  1096
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |             broken, int (the current generation)              |  1104
 *  +---------------------------------------------------------------+
 *  |                          Reserved                             |  1108
 *  +---------------------------------------------------------------+
 *  |    last broken generation, long (-1: none); a waiter of a      |  1112
 *  |    generation that moved on learns from it whether it broke  |
 *  +---------------------------------------------------------------+
 *  |                     Reserved (32 bytes)                       |  1120
 *  +---------------------------------------------------------------+  1152 (LENGTH)
 * </pre>
 */
public final class BarrierDescriptor {
    /** Offset of the lock block. */
    public static final int LOCK_OFFSET = 0;
    /** Offset of the barrier record. */
    public static final int RECORD_OFFSET = LockDescriptor.LENGTH;
    /** Offset of the parties (int). */
    public static final int PARTIES_OFFSET = RECORD_OFFSET;
    /** Offset of the number still to arrive (int). */
    public static final int COUNT_OFFSET = RECORD_OFFSET + 4;
    /** Offset of the generation (long). */
    public static final int GENERATION_OFFSET = RECORD_OFFSET + 8;
    /** Offset of the broken flag of the current generation (int). */
    public static final int BROKEN_OFFSET = RECORD_OFFSET + 16;
    /** Offset of the last generation that was broken (long). */
    public static final int LAST_BROKEN_OFFSET = RECORD_OFFSET + 24;
    /** Length of the body. */
    public static final int LENGTH = RECORD_OFFSET + 64;

    private BarrierDescriptor() {
    }
}
