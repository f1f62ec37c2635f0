package dev.multiproc.shm.internal;

import java.util.concurrent.TimeUnit;

/**
 * How every shared-memory primitive waits: spin for up to {@link #spinNanos()} (a hand-off between
 * running threads then costs well under a microsecond), then sleep in the kernel with
 * {@link Futex#wait} in slices of at most {@link #SLICE_NANOS}. Between slices a waiter checks
 * {@link Thread#interrupted()} (so an interrupt is honoured within one slice, 50 ms, even though a
 * thread inside {@code futex(2)} cannot be interrupted by the JVM) and, for locks, whether the
 * holder process is still alive.
 */
public final class Waits {
    /** System property: how long a waiter spins before sleeping, in nanoseconds (default 20000; 0: sleep at once). */
    public static final String SPIN_NANOS_PROPERTY = "multiproc.shm.spinNanos";
    /** Longest single kernel sleep; bounds the latency of interrupts and of dead-holder checks. */
    public static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static volatile long spinNanos = Long.getLong(SPIN_NANOS_PROPERTY, 20_000L);

    private Waits() {
    }

    /** @return how long a waiter spins before sleeping */
    public static long spinNanos() {
        return spinNanos;
    }

    /**
     * Changes the spin phase of this JVM (benchmarks compare spinning and sleeping waiters).
     *
     * @param nanos how long a waiter spins before sleeping; 0 sleeps at once
     */
    public static void setSpinNanos(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("spin time must not be negative, was " + nanos);
        }
        spinNanos = nanos;
    }

    /**
     * @param timeout a timeout
     * @return it in nanoseconds, saturated; zero or negative means "do not wait"
     * @throws NullPointerException if it is null
     */
    static long toNanos(java.time.Duration timeout) {
        if (timeout == null) {
            throw new NullPointerException("timeout");
        }
        try {
            return timeout.toNanos();
        } catch (ArithmeticException e) {
            return timeout.isNegative() ? Long.MIN_VALUE / 2 : Long.MAX_VALUE / 2;
        }
    }

    /**
     * @param deadline a {@link System#nanoTime()} deadline, if {@code timed}
     * @param timed    whether there is a deadline
     * @param now      the time now
     * @return the next sleep: the rest until the deadline, at most one slice
     */
    static long slice(long deadline, boolean timed, long now) {
        return timed ? Math.min(SLICE_NANOS, deadline - now) : SLICE_NANOS;
    }
}
