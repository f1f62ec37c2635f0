package dev.multiproc.spi.wait;

import java.util.concurrent.TimeUnit;

/**
 * How every waiter of Multiproc waits for another thread or process: first it <em>spins</em>
 * ({@link Thread#onSpinWait()}) for {@link #spinNanos()}, since a hand-off between threads that
 * run on other CPUs then costs well under a microsecond; then it <em>yields</em>
 * ({@link Thread#yield()}) for {@link #yieldNanos()}, so that a peer waiting for this CPU runs at
 * once (on a machine with few CPUs the peer often shares it); then it <em>sleeps</em> in the
 * kernel (a {@code futex(2)} on a shared word, {@code poll(2)} on a socket, or a park), in slices
 * of at most {@link #SLICE_NANOS} so that interrupts and dead peers are noticed.
 *
 * <p>The phases are measured from the start of the wait, so a loop reads:
 * <pre>{@code
 * long start = System.nanoTime();
 * while (!condition()) {
 *     if (!strategy.idle(start)) {
 *         sleepInTheKernel(deadline.sliceNanos(WaitStrategy.SLICE_NANOS));
 *     }
 * }
 * }</pre>
 * The settings come from the context ({@code multiproc.wait.spinNanos},
 * {@code multiproc.wait.yieldNanos}); handles carry those of the context that made them.
 * Immutable and thread-safe.
 */
public final class WaitStrategy {
    /** Longest single kernel sleep; bounds how late an interrupt or a dead holder is noticed. */
    public static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** Default busy-spin phase. */
    public static final long DEFAULT_SPIN_NANOS = 20_000;
    /** Default yield phase, after the spin phase. */
    public static final long DEFAULT_YIELD_NANOS = 40_000;

    private final long spinNanos;
    private final long yieldNanos;

    /**
     * @param spinNanos  how long to spin before yielding (0: no spin phase)
     * @param yieldNanos how long to yield after spinning, before sleeping (0: no yield phase)
     * @throws IllegalArgumentException if either is negative
     */
    public WaitStrategy(long spinNanos, long yieldNanos) {
        if (spinNanos < 0 || yieldNanos < 0) {
            throw new IllegalArgumentException("spin and yield phases must not be negative, were "
                    + spinNanos + " and " + yieldNanos + " ns");
        }
        this.spinNanos = spinNanos;
        this.yieldNanos = yieldNanos;
    }

    /** @return the spin phase in nanoseconds */
    public long spinNanos() {
        return spinNanos;
    }

    /** @return the yield phase in nanoseconds */
    public long yieldNanos() {
        return yieldNanos;
    }

    /** @return the spin and yield phases together: how long a waiter stays busy before it sleeps */
    public long busyNanos() {
        return spinNanos + yieldNanos;
    }

    /**
     * Idles once: spins in the spin phase, yields in the yield phase.
     *
     * @param startNanos {@link System#nanoTime()} when the wait began
     * @return false once both phases are over: the caller should sleep in the kernel now
     */
    public boolean idle(long startNanos) {
        long elapsed = System.nanoTime() - startNanos;
        if (elapsed < spinNanos) {
            Thread.onSpinWait();
            return true;
        }
        if (elapsed < spinNanos + yieldNanos) {
            Thread.yield();
            return true;
        }
        return false;
    }

    /**
     * @param startNanos when the wait began
     * @return whether the wait is past its spin phase (a caller that polls a socket then yields between looks)
     */
    public boolean pastSpin(long startNanos) {
        return System.nanoTime() - startNanos >= spinNanos;
    }

    /**
     * @param startNanos when the wait began
     * @return whether the wait is past both busy phases
     */
    public boolean pastBusy(long startNanos) {
        return System.nanoTime() - startNanos >= spinNanos + yieldNanos;
    }

    /**
     * For waits that keep a raw {@link System#nanoTime()} deadline (shared-memory primitives).
     *
     * @param deadline when the wait gives up, if {@code timed}
     * @param timed    whether there is a deadline
     * @param now      the time now
     * @return the next kernel sleep: the rest until the deadline, at most {@link #SLICE_NANOS}
     */
    public static long sliceNanos(long deadline, boolean timed, long now) {
        return timed ? Math.min(SLICE_NANOS, deadline - now) : SLICE_NANOS;
    }

    @Override
    public String toString() {
        return "WaitStrategy[spin " + spinNanos + " ns, yield " + yieldNanos + " ns]";
    }
}
