package dev.multiproc.spi.wait;

import java.time.Duration;
import java.util.Objects;

/**
 * A point in {@link System#nanoTime()} time by which a wait gives up, or none. The one place where
 * timeouts become deadlines: arithmetic saturates, so {@code Duration.ofDays(1_000_000)} waits for
 * ever instead of overflowing, and zero or negative timeouts mean "do not wait". Immutable.
 */
public final class Deadline {
    /** Longest wait a deadline represents; longer timeouts are treated as no deadline. */
    private static final long FOREVER_NANOS = Long.MAX_VALUE / 4;
    private static final Deadline NEVER = new Deadline(0, false);

    private final long atNanos;
    private final boolean timed;

    private Deadline(long atNanos, boolean timed) {
        this.atNanos = atNanos;
        this.timed = timed;
    }

    /** @return a deadline that never passes */
    public static Deadline never() {
        return NEVER;
    }

    /** @return a deadline already passed: look, do not wait */
    public static Deadline now() {
        return new Deadline(System.nanoTime(), true);
    }

    /**
     * @param timeout how long to wait; zero or negative does not wait; null waits for ever
     * @return the deadline that many nanoseconds from now
     */
    public static Deadline after(Duration timeout) {
        return timeout == null ? NEVER : afterNanos(toNanos(timeout));
    }

    /**
     * @param nanos how long to wait; zero or negative does not wait
     * @return the deadline that many nanoseconds from now (none if it is too far to represent)
     */
    public static Deadline afterNanos(long nanos) {
        if (nanos >= FOREVER_NANOS) {
            return NEVER;
        }
        return new Deadline(System.nanoTime() + Math.max(0, nanos), true);
    }

    /**
     * @param a a {@code System.nanoTime()} deadline, or 0 for none
     * @param b another
     * @return the earlier of the two, 0 if neither is set
     */
    public static long earliestNanos(long a, long b) {
        if (a == 0 || b == 0) {
            return a == 0 ? b : a;
        }
        return a - b <= 0 ? a : b;
    }

    /**
     * @param timeout a timeout (not null)
     * @return it in nanoseconds, saturated at about 73 years either way
     */
    public static long toNanos(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        try {
            return Math.max(-FOREVER_NANOS, Math.min(FOREVER_NANOS, timeout.toNanos()));
        } catch (ArithmeticException e) {
            return timeout.isNegative() ? -FOREVER_NANOS : FOREVER_NANOS;
        }
    }

    /** @return whether there is a deadline at all */
    public boolean isTimed() {
        return timed;
    }

    /** @return whether the deadline has passed (never, if there is none) */
    public boolean isExpired() {
        return timed && atNanos - System.nanoTime() <= 0;
    }

    /** @return nanoseconds left: zero once passed, {@code Long.MAX_VALUE / 4} if there is no deadline */
    public long remainingNanos() {
        return timed ? Math.max(0, atNanos - System.nanoTime()) : FOREVER_NANOS;
    }

    /**
     * @param slice the longest single wait the caller wants
     * @return nanoseconds for the next wait: what is left, at most {@code slice}
     */
    public long sliceNanos(long slice) {
        return Math.min(slice, remainingNanos());
    }

    /**
     * For {@code poll(2)} and {@code Selector.select(ms)}: rounds up, so a wait never returns
     * before the deadline only because of rounding.
     *
     * @return whole milliseconds left, rounded up, at most {@link Integer#MAX_VALUE}; -1 if there is no deadline
     */
    public int remainingMillisCeil() {
        if (!timed) {
            return -1;
        }
        long left = remainingNanos();
        return (int) Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000);
    }

    @Override
    public String toString() {
        return timed ? "Deadline[in " + remainingNanos() + " ns]" : "Deadline[never]";
    }
}
