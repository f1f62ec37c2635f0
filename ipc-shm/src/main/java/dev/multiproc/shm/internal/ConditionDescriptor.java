package dev.multiproc.shm.internal;

/**
 * Layout of a condition record (inside a {@link LockDescriptor lock block}). Offsets are relative
 * to the record, which is 64-byte aligned.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |              sequence, int (futex word; +1 per signal)        |  0
 *  +---------------------------------------------------------------+
 *  |                          Reserved                             |  4
 *  +---------------------------------------------------------------+
 *  |   tickets, long: waiters (high 32 bits) | signals (low 32)    |  8  one CAS updates both
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     Reserved (48 bytes)                       | 16
 *  +---------------------------------------------------------------+  64
 * </pre>
 *
 * A waiter registers (waiters + 1) under the lock, releases the lock and sleeps on the sequence.
 * {@code signal(n)} grants {@code min(n, waiters - signals)} signals and bumps the sequence. A waiter
 * leaves by taking a granted signal (waiters - 1, signals - 1), or on timeout by deregistering
 * (waiters - 1) if no signal is left for it; both in one CAS, so a signal is never both granted and
 * lost: exactly as many waiters as were signalled wake.
 */
public final class ConditionDescriptor {
    /** Offset of the sequence (int, futex word). */
    public static final int SEQUENCE_OFFSET = 0;
    /** Offset of the waiters/signals pair (long). */
    public static final int TICKETS_OFFSET = 8;
    /** Length of a record. */
    public static final int LENGTH = 64;

    private ConditionDescriptor() {
    }

    /** @param tickets a tickets value @return its waiters half */
    public static int waiters(long tickets) {
        return (int) (tickets >>> 32);
    }

    /** @param tickets a tickets value @return its signals half */
    public static int signals(long tickets) {
        return (int) tickets;
    }

    /** @param waiters waiters @param signals granted signals @return the tickets value */
    public static long tickets(int waiters, int signals) {
        return ((long) waiters << 32) | (signals & 0xFFFF_FFFFL);
    }
}
