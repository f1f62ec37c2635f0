package dev.multiproc.shm.internal.ring;

import dev.multiproc.spi.process.ProcessLiveness;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The state word of one end of a pipe and its holder's stamp ({@link PipeDescriptor}): who holds
 * the end, whether it was used or closed there, and whether its holder still lives. Every change
 * is a compare-and-set of the whole word, so two processes can never both hold an end. Thread-safe.
 */
final class EndWord {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final MemorySegment body;
    private final long offset;
    private final String name;

    /**
     * @param body   the pipe's body
     * @param offset the word's offset ({@link PipeDescriptor#LEFT_END_OFFSET} or {@link PipeDescriptor#RIGHT_END_OFFSET})
     * @param name   "left end of ..." for messages
     */
    EndWord(MemorySegment body, long offset, String name) {
        this.body = body;
        this.offset = offset;
        this.name = name;
    }

    /** Writes the creator as the holder of an unused end. Before the segment is shared. */
    void initialize() {
        LONG.set(body, offset + PipeDescriptor.STAMP_DELTA, ProcessLiveness.selfStart());
        LONG.setRelease(body, offset, PipeDescriptor.word(ProcessLiveness.selfPid(), PipeDescriptor.UNUSED));
    }

    /** @return the word (acquire: the stamp written before it is visible) */
    long read() {
        return (long) LONG.getAcquire(body, offset);
    }

    /**
     * Makes this process the holder of the end, which must be unused.
     *
     * @throws IllegalStateException naming the holder, if the end is used, closed or being taken
     */
    void take() {
        long self = ProcessLiveness.selfPid();
        while (true) {
            long w = read();
            int state = PipeDescriptor.state(w);
            long holder = PipeDescriptor.holder(w);
            if (state == PipeDescriptor.UNUSED && holder == self) {
                return; // it came back to the process that holds it already
            }
            if (state != PipeDescriptor.UNUSED) {
                throw new IllegalStateException(name + " cannot move to process " + self + ": it is "
                        + PipeDescriptor.stateName(state) + " in process " + holder
                        + (state == PipeDescriptor.USED ? "; a Pipe end is open in one process only. Pass an end to the "
                        + "process that uses it before using it anywhere" : ""));
            }
            if (LONG.compareAndSet(body, offset, w, PipeDescriptor.word(self, PipeDescriptor.TAKING))) {
                LONG.set(body, offset + PipeDescriptor.STAMP_DELTA, ProcessLiveness.selfStart());
                LONG.setRelease(body, offset, PipeDescriptor.word(self, PipeDescriptor.UNUSED)); // publishes the stamp
                return;
            }
        }
    }

    /**
     * Marks the end used by this process, its holder: from now on it cannot move.
     *
     * @throws IllegalStateException if another process took it, or it is closed
     */
    void use() {
        long self = ProcessLiveness.selfPid();
        while (true) {
            long w = read();
            int state = PipeDescriptor.state(w);
            long holder = PipeDescriptor.holder(w);
            if (holder != self) {
                throw new IllegalStateException(name + " moved to process " + holder
                        + " when that process read it, and is open there only; a Pipe end is open in one process only");
            }
            if (state == PipeDescriptor.USED) {
                return;
            }
            if (state != PipeDescriptor.UNUSED) {
                throw new IllegalStateException(name + " is " + PipeDescriptor.stateName(state));
            }
            if (LONG.compareAndSet(body, offset, w, PipeDescriptor.word(self, PipeDescriptor.USED))) {
                return;
            }
        }
    }

    /**
     * Closes the end if this process holds it.
     *
     * @return whether it did (false: the end lives in another process, or was closed already)
     */
    boolean closeHere() {
        long self = ProcessLiveness.selfPid();
        while (true) {
            long w = read();
            int state = PipeDescriptor.state(w);
            if (PipeDescriptor.holder(w) != self || state == PipeDescriptor.CLOSED || state == PipeDescriptor.TAKING) {
                return false;
            }
            if (LONG.compareAndSet(body, offset, w, PipeDescriptor.word(self, PipeDescriptor.CLOSED))) {
                return true; // release (a volatile CAS): everything this end wrote is visible before it
            }
        }
    }

    /** @return the pid of another process that took this end, or 0 if none did */
    long movedTo() {
        long holder = PipeDescriptor.holder(read());
        return holder == ProcessLiveness.selfPid() ? 0 : holder;
    }

    /** @return whether the end is used or closed: it can no longer move */
    boolean isSettled() {
        int state = PipeDescriptor.state(read());
        return state == PipeDescriptor.USED || state == PipeDescriptor.CLOSED;
    }

    /** @return whether the end was closed (cheap: one load) */
    boolean isClosed() {
        return PipeDescriptor.state(read()) == PipeDescriptor.CLOSED;
    }

    /**
     * @return why the end is gone: "closed", "process N exited", or null while it is open in a
     *         living process (reads {@code /proc}: call it between sleeps, not per message)
     */
    String goneReason() {
        long w = read();
        int state = PipeDescriptor.state(w);
        long holder = PipeDescriptor.holder(w);
        if (state == PipeDescriptor.CLOSED) {
            return "closed in process " + holder;
        }
        long stamp = state == PipeDescriptor.TAKING ? 0 : (long) LONG.get(body, offset + PipeDescriptor.STAMP_DELTA);
        if (!ProcessLiveness.isAlive(holder, stamp) && read() == w) {
            return "its process " + holder + " exited without closing it";
        }
        return null;
    }
}
