package dev.multiproc.launcher.pool.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * A pool thread that calls a sweep every {@link #PERIOD_NANOS} while the pool has unclaimed
 * results about, so that a result nobody asks for is still read within two periods. It sleeps
 * without a timeout after {@link #IDLE_SWEEPS} sweeps in a row found nothing, and {@link #wake()}
 * starts it again; a pool used steadily never pays for that wake-up. It never writes to a
 * worker, so it cannot be blocked by one that does not read.
 */
final class UnclaimedSweeper {
    /** Time between sweeps. */
    static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** Sweeps in a row that found nothing before the thread sleeps until woken. */
    static final int IDLE_SWEEPS = 100;

    /** One sweep. */
    interface Sweep {
        /** @return whether there were unclaimed results since the last sweep (or still are) */
        boolean run();

        /** @return whether unclaimed results are about now (checked before the thread sleeps) */
        boolean pending();
    }

    private final Sweep sweep;
    private final Thread thread;
    private final AtomicBoolean asleep = new AtomicBoolean();
    private volatile boolean stopped;

    /**
     * @param threadName the thread's name
     * @param sweep      what to run every period
     */
    UnclaimedSweeper(String threadName, Sweep sweep) {
        this.sweep = sweep;
        this.thread = new Thread(this::loop, threadName);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Starts sweeping again if the thread sleeps; cheap when it does not. */
    void wake() {
        if (asleep.get() && asleep.compareAndSet(true, false)) {
            LockSupport.unpark(thread);
        }
    }

    /** @return whether the thread sleeps until {@link #wake()} (for tests) */
    boolean asleep() {
        return asleep.get();
    }

    /** @return whether the thread still runs (for tests) */
    boolean alive() {
        return thread.isAlive();
    }

    /** Ends the thread. */
    void stop() {
        stopped = true;
        LockSupport.unpark(thread);
    }

    private void loop() {
        int idle = 0;
        while (!stopped) {
            LockSupport.parkNanos(this, PERIOD_NANOS);
            idle = sweep.run() ? 0 : idle + 1;
            if (idle < IDLE_SWEEPS) {
                continue;
            }
            asleep.set(true);
            if (sweep.pending()) { // arrived between the sweep and falling asleep
                asleep.set(false);
            }
            while (asleep.get() && !stopped) {
                LockSupport.park(this);
            }
            idle = 0;
        }
    }
}
