package dev.multiproc.shm.internal.ring;

/**
 * Layout of a pipe: the body of a {@code SegmentDescriptor.KIND_PIPE} segment. Two ends, each with
 * a state word that says who holds it, and two rings ({@link RingDescriptor}): "to left" is written
 * by the right end and read by the left end, "to right" the other way (a one-way pipe's "to right"
 * ring has capacity 0: its left end only receives).
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |  capacity of "to left", int   |  capacity of "to right", int  |    0  written at creation
 *  +---------------------------------------------------------------+
 *  |  left end: holder pid &lt;&lt; 8 | state (8 bits), long           |  128  compare-and-set
 *  +---------------------------------------------------------------+
 *  |  left end: holder's start stamp, long                         |  136  written while TAKING
 *  +---------------------------------------------------------------+
 *  |  right end: holder pid &lt;&lt; 8 | state, long                    |  256
 *  +---------------------------------------------------------------+
 *  |  right end: holder's start stamp, long                        |  264
 *  +---------------------------------------------------------------+
 *  |  ring "to left" (RingDescriptor)                              |  384
 *  +---------------------------------------------------------------+
 *  |  ring "to right" (RingDescriptor), 128-aligned                |  384 + ring length
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <b>End states.</b> An end moves through them by compare-and-set of its whole word, so that
 * exactly one process holds it:
 * <pre>
 *   UNUSED(creator) --taken--&gt; TAKING(taker) --stamp written--&gt; UNUSED(taker) --taken--&gt; ...
 *   UNUSED(holder) --first send/receive/poll there--&gt; USED(holder)
 *   UNUSED or USED(holder) --closed there--&gt; CLOSED(holder)
 * </pre>
 * While TAKING, the stamp is not yet the taker's, so liveness checks go by the pid alone. Once both
 * ends are USED or CLOSED no end can move again, and whoever made it so removes the file's name.
 */
public final class PipeDescriptor {
    /** Offset of the "to left" ring's capacity (int). */
    public static final int TO_LEFT_CAPACITY_OFFSET = 0;
    /** Offset of the "to right" ring's capacity (int). */
    public static final int TO_RIGHT_CAPACITY_OFFSET = 4;
    /** Offset of the left end's state word (long). */
    public static final int LEFT_END_OFFSET = 128;
    /** Offset of the right end's state word (long). */
    public static final int RIGHT_END_OFFSET = 256;
    /** Offset of an end's holder stamp, from its state word. */
    public static final int STAMP_DELTA = 8;
    /** Offset of the "to left" ring. */
    public static final int TO_LEFT_RING_OFFSET = 384;

    /** End state: held, not used yet; may move to another process. */
    public static final int UNUSED = 0;
    /** End state: a process is taking it and has not written its stamp yet. */
    public static final int TAKING = 1;
    /** End state: used by its holder; it stays there. */
    public static final int USED = 2;
    /** End state: closed by its holder. */
    public static final int CLOSED = 3;

    private PipeDescriptor() {
    }

    /** @param toLeftCapacity the "to left" ring's data area @return where the "to right" ring starts */
    public static long toRightRingOffset(int toLeftCapacity) {
        return (TO_LEFT_RING_OFFSET + RingDescriptor.length(toLeftCapacity) + 127) & -128L;
    }

    /**
     * @param toLeftCapacity  the "to left" ring's data area
     * @param toRightCapacity the "to right" ring's data area (0 for a one-way pipe)
     * @return the body's length
     */
    public static long bodyLength(int toLeftCapacity, int toRightCapacity) {
        return toRightRingOffset(toLeftCapacity) + (toRightCapacity == 0 ? 0 : RingDescriptor.length(toRightCapacity));
    }

    /** @param word an end's state word @return its state */
    public static int state(long word) {
        return (int) (word & 0xFF);
    }

    /** @param word an end's state word @return its holder's pid */
    public static long holder(long word) {
        return word >>> 8;
    }

    /** @param pid a holder @param state a state @return the state word */
    public static long word(long pid, int state) {
        return pid << 8 | state;
    }

    /** @param state an end state @return its name, for messages */
    public static String stateName(int state) {
        return switch (state) {
            case UNUSED -> "unused";
            case TAKING -> "being taken";
            case USED -> "in use";
            case CLOSED -> "closed";
            default -> "in unknown state " + state;
        };
    }
}
