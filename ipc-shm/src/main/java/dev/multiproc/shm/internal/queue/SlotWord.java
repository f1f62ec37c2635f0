package dev.multiproc.shm.internal.queue;

import dev.multiproc.spi.process.ProcessLiveness;

/**
 * The 64-bit word at the start of every queue slot: which lap of the ring the slot is on, what
 * state it is in, and which process holds it, changed only by CAS and volatile stores so that
 * claiming a slot and naming its holder are one atomic step.
 *
 * <pre>
 *   63                              32 31 30 29        22 21                    0
 *  +----------------------------------+-----+------------+-----------------------+
 *  |  position, low 32 bits           |state| start hash |  holder pid           |
 *  +----------------------------------+-----+------------+-----------------------+
 * </pre>
 *
 * Positions are compared by their 32-bit difference, which is exact while fewer than 2^31
 * positions separate them (a queue holds at most {@link SlotQueueDescriptor#MAX_CAPACITY}). A
 * holder is its pid (Linux pids are below 2^22) and 8 bits of its start stamp: a reused pid with
 * another start stamp is told apart from the holder in 255 cases of 256, and a live holder is
 * never taken for dead.
 */
final class SlotWord {
    /** Free for the producer of its position. */
    static final int FREE = 0;
    /** A producer is copying an item in. */
    static final int WRITING = 1;
    /** Holds a committed item. */
    static final int FULL = 2;
    /** A consumer is copying the item out. */
    static final int READING = 3;

    private static final long PID_MASK = (1L << 22) - 1;
    private static final long HOLDER_MASK = (1L << 30) - 1;

    private SlotWord() {
    }

    /**
     * @param position the position (its low 32 bits are kept)
     * @param state    FREE, WRITING, FULL or READING
     * @param holder   {@link #holder(long, long)}, or 0 for none
     * @return the word
     */
    static long of(long position, int state, int holder) {
        return (position << 32) | ((long) state << 30) | (holder & HOLDER_MASK);
    }

    /** @return the word's position minus {@code position}, as a signed 32-bit difference */
    static int lapsFrom(long word, long position) {
        return (int) (word >>> 32) - (int) position;
    }

    static int state(long word) {
        return (int) (word >>> 30) & 3;
    }

    static int holder(long word) {
        return (int) (word & HOLDER_MASK);
    }

    static long pid(int holder) {
        return holder & PID_MASK;
    }

    /**
     * @param pid   a pid below 2^22
     * @param stamp its start stamp
     * @return the holder field naming that process
     */
    static int holder(long pid, long stamp) {
        if (pid <= 0 || pid > PID_MASK) {
            throw new IllegalStateException("pid " + pid + " does not fit a queue slot's 22-bit holder field");
        }
        return (int) ((hash(stamp) << 22) | pid);
    }

    /** @return the holder field of this process */
    static int self() {
        return Self.HOLDER;
    }

    /**
     * @param holder a holder field
     * @return whether that process is alive; a process whose stamp cannot be read counts as alive
     */
    static boolean isAlive(int holder) {
        long pid = pid(holder);
        if (!ProcessLiveness.isAlive(pid, 0)) {
            return false;
        }
        long stamp = ProcessLiveness.stampOf(pid);
        return stamp == 0 || holder(pid, stamp) == holder;
    }

    private static long hash(long stamp) {
        long h = stamp * 0x9E3779B97F4A7C15L;
        return (h >>> 56) & 0xFF;
    }

    private static final class Self {
        static final int HOLDER = holder(ProcessLiveness.selfPid(), ProcessLiveness.selfStart());
    }
}
