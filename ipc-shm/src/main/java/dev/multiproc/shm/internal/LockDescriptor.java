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
 *  |0|C|              holder pid (30 bits), 0 = free               |    0  state: the futex word
 *  +-+-+-----------------------------------------------------------+
 *  |           conditions allocated, int                           |    4
 *  +---------------------------------------------------------------+
 *  |                     Reserved (56 bytes)                       |    8  (contenders spin on this line)
 *  +---------------------------------------------------------------+
 *  |                 hold count, int (reentrant)                   |   64  second cache line: written by
 *  +---------------------------------------------------------------+       the holder only, so spinning
 *  |                          Reserved                             |   68  contenders do not steal it
 *  +---------------------------------------------------------------+
 *  |            holder thread id, long (0 when free)               |   72
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        holder pid, long (as written by the holder)            |   80  with the stamp below: tells a
 *  |                                                               |       reused pid from the holder
 *  +---------------------------------------------------------------+
 *  |              holder start stamp, long                         |   88
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     Reserved (32 bytes)                       |   96
 *  +---------------------------------------------------------------+
 *  |     Condition record 0 (ConditionDescriptor, 64 bytes)        |  128
 *  +---------------------------------------------------------------+
 *  |                              ...                              |
 *  +---------------------------------------------------------------+
 *  |     Condition record 14                                       | 1024
 *  +---------------------------------------------------------------+ 1088
 * </pre>
 *
 * State follows Drepper's "Futexes Are Tricky" mutex: 0 free; holder pid alone: held, nobody
 * sleeps; holder pid with C (contended): held and someone may sleep, so the release must wake one.
 */
public final class LockDescriptor {
    /** Offset of the state word (int, futex word). */
    public static final int STATE_OFFSET = 0;
    /** Offset of the reentrant hold count (int). */
    public static final int HOLDS_OFFSET = 64;
    /** Offset of the holder's thread id (long). */
    public static final int OWNER_THREAD_OFFSET = 72;
    /** Offset of the holder's pid as written by the holder (long). */
    public static final int OWNER_PID_OFFSET = 80;
    /** Offset of the holder's start stamp (long). */
    public static final int OWNER_START_OFFSET = 88;
    /** Offset of the number of condition records handed out (int). */
    public static final int CONDITIONS_OFFSET = 4;
    /** Length of the lock record. */
    public static final int LOCK_RECORD_LENGTH = 128;
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
