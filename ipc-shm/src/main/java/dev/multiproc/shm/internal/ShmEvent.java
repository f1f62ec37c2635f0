package dev.multiproc.shm.internal;

import dev.multiproc.spi.wait.Deadline;
import dev.multiproc.spi.wait.WaitStrategy;
import dev.multiproc.IpcEvent;

import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;

import static dev.multiproc.shm.internal.EventDescriptor.COUNT_MASK;
import static dev.multiproc.shm.internal.EventDescriptor.SET;
import static dev.multiproc.shm.internal.EventDescriptor.SLEEPERS_OFFSET;
import static dev.multiproc.shm.internal.EventDescriptor.STATE_OFFSET;

/**
 * An event shared by processes, over an {@link EventDescriptor}. Waiters spin, then sleep on the
 * state word; {@code set()} wakes every sleeper, and only calls into the kernel when the sleeper
 * count says someone sleeps. A waiter returns true if the flag is set or was set at any moment
 * since it started waiting.
 *
 * <p><b>Dead participants.</b> Nothing is held, so nothing is lost; a sleeper that dies only
 * leaves the sleeper count high, costing later {@code set()} calls a needless wake-up call.
 * Thread-safe. Serializable as a handle.
 */
public final class ShmEvent implements IpcEvent, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final Segment segment;
    private final MemorySegment mem;
    private final long stateAddress;

    /** @param segment a {@link SegmentDescriptor#KIND_EVENT} segment */
    public ShmEvent(Segment segment) {
        this.segment = segment;
        this.mem = segment.body();
        this.stateAddress = mem.address() + STATE_OFFSET;
    }

    private int state() {
        return (int) INT.getVolatile(mem, (long) STATE_OFFSET);
    }

    @Override
    public void set() {
        while (true) {
            int s = state();
            if ((s & SET) != 0) {
                return;
            }
            if (INT.compareAndSet(mem, (long) STATE_OFFSET, s, ((s + 2) & COUNT_MASK) | SET)) {
                break;
            }
        }
        if ((int) INT.getVolatile(mem, (long) SLEEPERS_OFFSET) > 0) {
            Futex.wake(stateAddress, Integer.MAX_VALUE);
        }
    }

    @Override
    public void clear() {
        INT.getAndBitwiseAnd(mem, (long) STATE_OFFSET, ~SET);
    }

    @Override
    public boolean isSet() {
        return (state() & SET) != 0;
    }

    @Override
    public void await() throws InterruptedException {
        doAwait(false, 0);
    }

    @Override
    public boolean await(Duration timeout) throws InterruptedException {
        return doAwait(true, Deadline.toNanos(timeout));
    }

    private boolean doAwait(boolean timed, long nanos) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        int first = state();
        if ((first & SET) != 0) {
            return true;
        }
        if (timed && nanos <= 0) {
            return false;
        }
        long start = System.nanoTime();
        long deadline = start + nanos;
        WaitStrategy waits = segment.waits();
        while (true) {
            int s = state();
            if (wasSet(first, s)) {
                return true;
            }
            if ((timed && System.nanoTime() - deadline >= 0) || !waits.idle(start)) {
                break;
            }
        }
        INT.getAndAdd(mem, (long) SLEEPERS_OFFSET, 1); // volatile: a set() after this sees us
        try {
            while (true) {
                int s = state();
                if (wasSet(first, s)) {
                    return true;
                }
                long now = System.nanoTime();
                if (timed && now - deadline >= 0) {
                    return false;
                }
                Futex.wait(stateAddress, s, WaitStrategy.sliceNanos(deadline, timed, now));
                if (Thread.interrupted()) {
                    throw new InterruptedException("interrupted while waiting for " + this);
                }
            }
        } finally {
            INT.getAndAdd(mem, (long) SLEEPERS_OFFSET, -1);
        }
    }

    private static boolean wasSet(int first, int now) {
        return (now & SET) != 0 || (now & COUNT_MASK) != (first & COUNT_MASK);
    }

    @Serial
    private Object writeReplace() {
        return Handles.serialized(Handles.KIND_EVENT, segment, null);
    }

    @Override
    public String toString() {
        return "Event[" + segment.name() + "]";
    }
}
