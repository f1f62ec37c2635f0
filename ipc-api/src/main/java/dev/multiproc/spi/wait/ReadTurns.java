package dev.multiproc.spi.wait;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.function.LongSupplier;

/**
 * "The waiter reads for itself": whose turn it is to read a channel, a background thread (a queue
 * broker's thread, a queue client's or a pool worker's reader) or a thread that waits for what the
 * channel will bring ({@code take()}, a result), which reads itself so that it wakes straight from
 * the socket instead of being woken by the background thread (leader/follower: one wake-up instead
 * of two). The background thread steps aside while a waiter reads and while waiters come back
 * within {@link #GRACE_NANOS} of each other, as a taker in a loop does; it then checks again after a
 * back-off that doubles up to {@link #MAX_PARK_NANOS}, so a steady waiter costs it one wake-up per
 * millisecond rather than one per grace period. Hence, when the waiters stop, the background thread
 * reads again within at most
 * {@code MAX_PARK_NANOS}. Not thread-safe: guarded by the lock of the class that owns it.
 */
public final class ReadTurns {
    /** Waiters that come back within this long of each other keep the turn. */
    public static final long GRACE_NANOS = TimeUnit.MICROSECONDS.toNanos(200);
    /** The longest the background thread stays parked before it checks again. */
    public static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** {@link #parkNanos()}: park until signalled. */
    public static final long UNTIL_SIGNALLED = -1;

    private final LongSupplier clock;
    /** The waiter reading now, or null. Written under the owner's lock; volatile so the reader can check it between reads. */
    private volatile Thread waiter;
    /** Whether the background thread waits aside for a reason to read ({@link #awaitNeed}). */
    private boolean backgroundAside;
    private long serveStart;
    private long serveEnd;
    private long backOff = GRACE_NANOS;

    /** Turns timed by {@link System#nanoTime()}. */
    public ReadTurns() {
        this(System::nanoTime);
    }

    /** @param clock nanosecond clock (tests pass their own) */
    public ReadTurns(LongSupplier clock) {
        this.clock = clock;
        this.serveEnd = clock.getAsLong() - 2 * GRACE_NANOS;
    }

    /** @return whether a waiter reads now */
    public boolean waiterReads() {
        return waiter != null;
    }

    /**
     * @param thread a thread
     * @return whether it is the waiter reading now (safe to call without the owner's lock)
     */
    public boolean isReading(Thread thread) {
        return waiter == thread;
    }

    /** The calling thread, a waiter, starts reading. */
    public void waiterStarts() {
        waiter = Thread.currentThread();
        serveStart = clock.getAsLong();
    }

    /**
     * A waiter stops reading.
     *
     * @return whether the background thread must be signalled: the taker read so long that the
     *         background thread may be parked until told
     */
    public boolean waiterStops() {
        waiter = null;
        long now = clock.getAsLong();
        serveEnd = now;
        boolean longServe = now - serveStart >= GRACE_NANOS;
        if (longServe) {
            backOff = GRACE_NANOS; // a slow taker: check back soon after it stops
        }
        return longServe;
    }

    /** The background thread hands the turn to a taker that asked for it. */
    public void handedOver() {
        serveEnd = clock.getAsLong();
    }

    /**
     * Parks the background thread while takers read (see {@link #parkNanos()}).
     *
     * @param parked the condition takers signal, of the lock that guards this object (held)
     * @return whether it parked (the caller checks again); false: the background thread must read now
     * @throws InterruptedException if interrupted while parked
     */
    public boolean parkWhileWaitersRead(Condition parked) throws InterruptedException {
        long nanos = parkNanos();
        if (nanos == UNTIL_SIGNALLED) {
            parked.await();
        } else if (nanos > 0) {
            parked.awaitNanos(nanos);
        }
        return nanos != 0;
    }

    /**
     * @return 0 if the background thread must read now; {@link #UNTIL_SIGNALLED} if it parks
     *         until a taker that reads for long signals; else how long it parks before checking again
     */
    public long parkNanos() {
        long now = clock.getAsLong();
        boolean reading = waiter != null;
        if (reading && now - serveStart >= GRACE_NANOS) {
            return UNTIL_SIGNALLED; // the taker waits for items: it signals when it stops
        }
        if (reading || now - serveEnd < GRACE_NANOS) {
            long park = backOff;
            backOff = Math.min(2 * backOff, MAX_PARK_NANOS);
            return park;
        }
        backOff = GRACE_NANOS;
        return 0;
    }

    /**
     * The other policy, for a background thread that reads only when there is a reason (a pool's
     * reader while every result it would read is one nobody asked for yet): waits, aside, while a
     * waiter reads or nothing needs reading. Whoever changes either signals {@code wake}
     * ({@link #backgroundAside()} tells whether to).
     *
     * @param wake   the condition of the owner's lock (held) that wakes the background thread
     * @param needed whether the background thread has a reason to read
     */
    public void awaitNeed(Condition wake, java.util.function.BooleanSupplier needed) {
        while (waiter != null || !needed.getAsBoolean()) {
            backgroundAside = true;
            wake.awaitUninterruptibly();
        }
        backgroundAside = false;
    }

    /** @return whether the background thread waits aside in {@link #awaitNeed} (so a waiter may read) */
    public boolean backgroundAside() {
        return backgroundAside;
    }

    /** The background thread was signalled out of {@link #awaitNeed}: it no longer waits aside. */
    public void backgroundWoken() {
        backgroundAside = false;
    }
}
