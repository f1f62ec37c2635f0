package dev.multiproc.shm.internal;

/**
 * Layout of an event record (the body of a {@link SegmentDescriptor#KIND_EVENT} segment).
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-----------------------------------------------------------+-+
 *  |0|            set count (30 bits, wraps)                     |S|  0  state: the futex word
 *  +-+-----------------------------------------------------------+-+
 *  |           sleepers, int (threads in or entering futex wait)   |  4
 *  +---------------------------------------------------------------+
 *  |                     Reserved (56 bytes)                       |  8
 *  +---------------------------------------------------------------+  64
 * </pre>
 *
 * S is the flag. Every clear-to-set transition also bumps the set count, so a waiter that slept
 * through a {@code set()} quickly followed by {@code clear()} still learns it was set, as Python's
 * {@code Event.wait} does.
 */
public final class EventDescriptor {
    /** Offset of the state (int, futex word). */
    public static final int STATE_OFFSET = 0;
    /** Offset of the sleeper count (int). */
    public static final int SLEEPERS_OFFSET = 4;
    /** Length of the record. */
    public static final int LENGTH = 64;
    /** State bit: the flag. */
    public static final int SET = 1;
    /** State bits of the set count (shifted left by one). */
    public static final int COUNT_MASK = 0x7FFF_FFFE;

    private EventDescriptor() {
    }
}
