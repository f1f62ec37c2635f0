package dev.multiproc.shm.internal.ring;

import dev.multiproc.shm.internal.Futex;
import dev.multiproc.spi.wait.Deadline;
import dev.multiproc.spi.wait.WaitStrategy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.function.BooleanSupplier;

/**
 * One side's wait on a ring ({@link RingDescriptor}): spin, yield, then sleep on a futex word with
 * a sleepers count, as the ring's layout describes; and the other side's wake-up, which enters the
 * kernel only when someone sleeps. The ring's two waits (the consumer's for data, the producer's
 * for space) are each one {@code RingWaits}; so are a queue's three waits. Thread-safe; any number
 * of threads in any number of processes may sleep on one, and a wake-up wakes them all.
 */
public final class RingWaits {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final MemorySegment body;
    private final long epochOffset;
    private final long sleepersOffset;
    private final long epochAddress;
    private final WaitStrategy waits;

    /**
     * @param body          the pipe's body
     * @param epochOffset   the futex word's offset in it
     * @param sleeperOffset the sleepers count's offset in it
     * @param waits         spin and yield phases
     */
    public RingWaits(MemorySegment body, long epochOffset, long sleeperOffset, WaitStrategy waits) {
        this.body = body;
        this.epochOffset = epochOffset;
        this.sleepersOffset = sleeperOffset;
        this.epochAddress = body.address() + epochOffset;
        this.waits = waits;
    }

    /**
     * Waits until {@code ready} holds or the deadline passes. {@code ready} is checked after every
     * idle step and every wake-up; between sleeps {@code onSlice} runs, which may throw (the end
     * was closed, the peer died).
     *
     * @param ready    the condition (read with acquire semantics by the caller's check)
     * @param deadline when to give up
     * @param onSlice  run after each kernel sleep that found the condition still false
     * @return whether the condition holds; false if the deadline passed first
     */
    public boolean await(BooleanSupplier ready, Deadline deadline, Runnable onSlice) {
        long start = System.nanoTime();
        while (!ready.getAsBoolean()) {
            if (deadline.isExpired()) {
                return false;
            }
            if (waits.idle(start)) {
                continue;
            }
            INT.getAndAdd(body, sleepersOffset, 1); // volatile: the waker's fence-then-read sees it
            try {
                int epoch = (int) INT.getVolatile(body, epochOffset);
                if (ready.getAsBoolean()) {
                    return true;
                }
                long slice = deadline.sliceNanos(WaitStrategy.SLICE_NANOS);
                if (slice <= 0) {
                    return false;
                }
                Futex.wait(epochAddress, epoch, slice);
            } finally {
                INT.getAndAdd(body, sleepersOffset, -1);
            }
            if (!ready.getAsBoolean()) {
                onSlice.run();
            }
        }
        return true;
    }

    /**
     * Wakes the other side if it sleeps or is about to. Call after publishing (a release store):
     * the full fence here orders that store before the read of the sleepers count.
     */
    public void wake() {
        VarHandle.fullFence();
        if ((int) INT.getOpaque(body, sleepersOffset) != 0) {
            wakeAll();
        }
    }

    /** Bumps the epoch and wakes every sleeper, whether or not the count says someone sleeps. */
    public void wakeAll() {
        INT.getAndAdd(body, epochOffset, 1);
        Futex.wake(epochAddress, Integer.MAX_VALUE);
    }
}
