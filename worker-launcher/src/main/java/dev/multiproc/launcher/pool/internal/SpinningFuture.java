package dev.multiproc.launcher.pool.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@link CompletableFuture} whose waits spin for a few microseconds before they block: a
 * short task's result usually arrives within that time, and the waiter then skips a kernel
 * sleep and wake-up (about 25 us on a 2-CPU machine, as much as the task itself). The spin
 * yields the CPU between checks: when the worker or the thread that reads its result shares the
 * waiter's CPU, they run at once instead of when the spinning thread is preempted (measured:
 * {@code applyAsync(noop).get()} 1.33-1.40x a pipe round trip with all on one CPU, against
 * 1.52-1.56x with {@link Thread#onSpinWait()}).
 *
 * @param <T> the result type
 */
final class SpinningFuture<T> extends CompletableFuture<T> {
    /** System property: how long, in nanoseconds, a waiter spins before it blocks (default 40 000). */
    static final String SPIN_NANOS_PROPERTY = "multiproc.pool.spinNanos";
    /** How long a waiter spins before it blocks. */
    static final long SPIN_NANOS = Long.getLong(SPIN_NANOS_PROPERTY, 40_000);

    @Override
    public T get() throws InterruptedException, ExecutionException {
        spin(SPIN_NANOS);
        return super.get();
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        long nanos = unit.toNanos(timeout);
        long start = System.nanoTime();
        spin(Math.min(nanos, SPIN_NANOS));
        return super.get(Math.max(0, nanos - (System.nanoTime() - start)), TimeUnit.NANOSECONDS);
    }

    @Override
    public T join() {
        spin(SPIN_NANOS);
        return super.join();
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }

    private void spin(long nanos) {
        if (isDone() || nanos <= 0) {
            return;
        }
        long deadline = System.nanoTime() + nanos;
        while (!isDone() && System.nanoTime() - deadline < 0) {
            Thread.yield();
        }
    }
}
