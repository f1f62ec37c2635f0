package dev.multiproc.shm.internal;

/**
 * Layout of a condition record (inside a {@link LockDescriptor lock block}). Offsets are relative
 * to the record, which is 64-byte aligned.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |        sequence, int (futex word; +1 per effective signal)    |  0
 *  +---------------------------------------------------------------+
 *  |     sleepers, int (threads in or entering futex wait)         |  4
 *  +---------------------------------------------------------------+
 *  |              next ticket, long (given to the next waiter)     |  8
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |        signalled, long: every ticket below it is signalled    | 16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |  cancelled, long: bit i set = ticket (signalled + i) left     | 24
 *  |  on timeout or interrupt; signals skip it                     |
 *  +---------------------------------------------------------------+
 *  |                     Reserved (32 bytes)                       | 32
 *  +---------------------------------------------------------------+  64
 * </pre>
 *
 * Waiters are served in ticket (FIFO) order. A waiter takes a ticket under the lock, releases the
 * lock and sleeps on the sequence until {@code signalled} passes its ticket. {@code signal(n)}
 * (under the lock) moves {@code signalled} past the next {@code n} live tickets, skipping
 * cancelled ones, so exactly {@code min(n, waiting)} waiters wake and a waiter that arrives later
 * can never take a signal meant for an earlier one. Every field but the sequence changes only under
 * the lock; waiters read {@code signalled} without it (volatile).
 */
public final class ConditionDescriptor {
    /** Offset of the sequence (int, futex word). */
    public static final int SEQUENCE_OFFSET = 0;
    /** Offset of the sleeper count (int): a signal calls into the kernel only when it is not zero. */
    public static final int SLEEPERS_OFFSET = 4;
    /** Offset of the next ticket (long). */
    public static final int NEXT_OFFSET = 8;
    /** Offset of the signalled watermark (long). */
    public static final int SIGNALLED_OFFSET = 16;
    /** Offset of the cancelled-ticket mask (long). */
    public static final int CANCELLED_OFFSET = 24;
    /** Length of a record. */
    public static final int LENGTH = 64;
    /** How far past {@code signalled} a cancelled ticket can be recorded. */
    public static final int CANCEL_WINDOW = Long.SIZE;

    private ConditionDescriptor() {
    }
}
