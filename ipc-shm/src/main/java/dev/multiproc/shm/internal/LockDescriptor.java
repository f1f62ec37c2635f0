package dev.multiproc.shm.internal;

/**
 * Layout of a <em>lock block</em>: a process-shared lock record followed by the records of the
 * conditions made from it. Offsets are relative to the start of the block, which is 64-byte
 * aligned. Used by {@link ShmLock} and {@link ShmCondition}.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-----------------------------------------------------------+
 *  |0|C|              holder pid (30 bits), 0 = free               |  0  state: the futex word
 *  +-+-+-----------------------------------------------------------+
 *  |                 hold count, int (reentrant)                   |  4  touched by the holder only
 *  +---------------------------------------------------------------+
 *  |            holder thread id, long (0 when free)               |  8
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        holder pid, long (as written by the holder)            | 16  with the stamp below: tells a
 *  |                                                               |     reused pid from the holder
 *  +---------------------------------------------------------------+
 *  |              holder start stamp, long                         | 24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |           conditions allocated, int                           | 32
 *  +---------------------------------------------------------------+
 *  |                     Reserved (28 bytes)                       | 36
 *  +---------------------------------------------------------------+
 *  |     Condition record 0 (ConditionDescriptor, 64 bytes)        | 64
 *  +---------------------------------------------------------------+
 *  |                              ...                              |
 *  +---------------------------------------------------------------+
 *  |     Condition record 14                                       | 960
 *  +---------------------------------------------------------------+  1024
 * </pre>
 *
 * State follows Drepper's "Futexes Are Tricky" mutex: 0 free; holder pid alone: held, nobody
 * sleeps; holder pid with C (contended): held and someone may sleep, so the release must wake one.
 */
public final class LockDescriptor {
    /** Offset of the state word (int, futex word). */
    public static final int STATE_OFFSET = 0;
    /** Offset of the reentrant hold count (int). */
    public static final int HOLDS_OFFSET = 4;
    /** Offset of the holder's thread id (long). */
    public static final int OWNER_THREAD_OFFSET = 8;
    /** Offset of the holder's pid as written by the holder (long). */
    public static final int OWNER_PID_OFFSET = 16;
    /** Offset of the holder's start stamp (long). */
    public static final int OWNER_START_OFFSET = 24;
    /** Offset of the number of condition records handed out (int). */
    public static final int CONDITIONS_OFFSET = 32;
    /** Length of the lock record. */
    public static final int LOCK_RECORD_LENGTH = 64;
    /** Offset of the first condition record. */
    public static final int CONDITION_AREA_OFFSET = LOCK_RECORD_LENGTH;
    /** Most conditions one lock can make. */
    public static final int MAX_CONDITIONS = 15;
    /** Length of a whole lock block. */
    public static final int LENGTH = CONDITION_AREA_OFFSET + MAX_CONDITIONS * ConditionDescriptor.LENGTH;

    /** State bit: someone may be sleeping on the word. */
    public static final int CONTENDED = 0x4000_0000;
    /** State bits holding the holder's pid. */
    public static final int PID_MASK = 0x3FFF_FFFF;

    private LockDescriptor() {
    }

    /**
     * @param slot a condition index, below {@link #MAX_CONDITIONS}
     * @return the offset of its record within the block
     */
    public static int conditionOffset(int slot) {
        return CONDITION_AREA_OFFSET + slot * ConditionDescriptor.LENGTH;
    }
}
