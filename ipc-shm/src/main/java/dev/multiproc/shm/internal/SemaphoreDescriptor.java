package dev.multiproc.shm.internal;

/**
 * Layout of a semaphore record (the body of a {@link SegmentDescriptor#KIND_SEMAPHORE} segment).
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                 permits, int (futex word)                     |  0
 *  +---------------------------------------------------------------+
 *  |           sleepers, int (threads in or entering futex wait)   |  4
 *  +---------------------------------------------------------------+
 *  |        bound, int: most permits (bounded), else -1            |  8
 *  +---------------------------------------------------------------+
 *  |                     Reserved (52 bytes)                       | 12
 *  +---------------------------------------------------------------+  64
 * </pre>
 */
public final class SemaphoreDescriptor {
    /** Offset of the permits (int, futex word). */
    public static final int PERMITS_OFFSET = 0;
    /** Offset of the sleeper count (int). */
    public static final int SLEEPERS_OFFSET = 4;
    /** Offset of the bound (int; -1 = unbounded). */
    public static final int BOUND_OFFSET = 8;
    /** Length of the record. */
    public static final int LENGTH = 64;
    /** Bound of a semaphore that may grow without limit. */
    public static final int UNBOUNDED = -1;

    private SemaphoreDescriptor() {
    }
}
