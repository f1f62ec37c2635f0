package dev.multiproc.launcher.pool.internal;

import dev.multiproc.spi.wait.WaitStrategy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@link CompletableFuture} whose waits do not pay for a kernel sleep and wake-up (as much as a
 * short task itself costs) when the result comes soon.
 *
 * <p>A future attached to a {@link ResultSource} (one call's: {@code applyAsync}, {@code submit})
 * is <em>unclaimed</em> until someone shows interest in it: a wait, a look at its state, or a
 * dependent stage ({@code thenAccept}, {@code whenComplete}, ...). The first wait lets the source
 * read the result in the waiting thread itself ({@link ResultSource#claimAndRead}); any other
 * interest tells the source the result must be read as soon as it arrives
 * ({@link ResultSource#claim}). A future nobody shows interest in is still completed: the source
 * reads unclaimed results within a couple of milliseconds (this covers
 * {@link CompletableFuture#allOf}, which does not ask the future).
 *
 * <p>A wait that does not read the result itself stays busy for the busy phases of the pool's
 * {@link WaitStrategy} before it blocks (spinning, then yielding the CPU between checks: when the
 * worker or the thread that reads its result shares the waiter's CPU, it runs at once instead of
 * when the waiting thread is preempted).
 *
 * <p><b>Why a subclass of {@link CompletableFuture}.</b> {@code Pool.applyAsync} returns a
 * {@code CompletableFuture} (the public API), and the fast path needs to know the moment someone
 * shows interest in the result: a wait, a look at its state, a dependent stage. Nothing outside a
 * {@code CompletableFuture} sees those: a plain future of our own, wrapped or completed into a
 * {@code CompletableFuture}, would never learn that a caller waits on the {@code CompletableFuture}
 * it was handed, so the caller could not read its own result, and the reader thread would have to
 * read every result, one more context switch each. The overrides below are exactly the entry points
 * of interest ({@link #newIncompleteFuture} covers every dependent stage); each only claims the
 * result, then does what {@code CompletableFuture} does.
 *
 * @param <T> the result type
 */
final class SpinningFuture<T> extends CompletableFuture<T> {
    /** Longest a waiting thread reads its worker's reports itself before it leaves them to the pool's reader. */
    static final long READ_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    /** Where an attached future's result comes from. */
    interface ResultSource {
        /**
         * The result of the task is wanted: read it as soon as it arrives. Idempotent.
         *
         * @param taskId the task
         */
        void claim(long taskId);

        /**
         * Claims the task's result and, if no other thread reads its worker's reports now, reads
         * them in this thread until {@code future} is done, for at most {@link #READ_NANOS} (and
         * {@code limitNanos}), or until the thread is interrupted; then leaves them to the pool's
         * reader again. A thread that already reads a worker's reports (a callback waiting)
         * reads on for up to {@code limitNanos}.
         *
         * @param taskId     the task
         * @param future     its future
         * @param limitNanos the longest the caller may wait
         * @return whether this thread read (false: it should wait as usual)
         */
        boolean claimAndRead(long taskId, SpinningFuture<?> future, long limitNanos);
    }

    private final ResultSource source;
    private final long taskId;
    private final WaitStrategy waits;
    private volatile boolean claimed;

    /**
     * A future completed by whoever holds it; it has no source and is always claimed.
     *
     * @param waits how a waiter stays busy before it blocks
     */
    SpinningFuture(WaitStrategy waits) {
        this(null, 0, waits);
    }

    /**
     * @param source reads the result of {@code taskId}, or null
     * @param taskId the task whose result completes this future
     * @param waits  how a waiter stays busy before it blocks
     */
    SpinningFuture(ResultSource source, long taskId, WaitStrategy waits) {
        this.source = source;
        this.taskId = taskId;
        this.waits = waits;
        this.claimed = source == null;
    }

    /** @return whether nobody has shown interest in the result yet */
    boolean unclaimed() {
        return !claimed;
    }

    /** @return whether the future is done, without counting as interest in it */
    boolean doneQuietly() {
        return super.isDone();
    }

    @Override
    public T get() throws InterruptedException, ExecutionException {
        awaitBriefly(Long.MAX_VALUE);
        return super.get();
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        long nanos = unit.toNanos(timeout);
        long start = System.nanoTime();
        awaitBriefly(nanos);
        return super.get(Math.max(0, nanos - (System.nanoTime() - start)), TimeUnit.NANOSECONDS);
    }

    @Override
    public T join() {
        awaitBriefly(Long.MAX_VALUE);
        return super.join();
    }

    @Override
    public boolean isDone() {
        claim();
        return super.isDone();
    }

    @Override
    public T getNow(T valueIfAbsent) {
        claim();
        return super.getNow(valueIfAbsent);
    }

    @Override
    public T resultNow() {
        claim();
        return super.resultNow();
    }

    @Override
    public Throwable exceptionNow() {
        claim();
        return super.exceptionNow();
    }

    @Override
    public State state() {
        claim();
        return super.state();
    }

    @Override
    public boolean isCompletedExceptionally() {
        claim();
        return super.isCompletedExceptionally();
    }

    /** Every dependent stage of this future ({@code thenApply}, {@code whenComplete}, {@code copy}, ...) starts here. */
    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        claim();
        return new CompletableFuture<>();
    }

    /** Another future's {@code thenCombine}, {@code runAfterBoth}, {@code applyToEither}, ... take this one through here. */
    @Override
    public CompletableFuture<T> toCompletableFuture() {
        claim();
        return this;
    }

    @Override
    public CompletionStage<T> minimalCompletionStage() {
        claim();
        return super.minimalCompletionStage();
    }

    private void claim() {
        if (!claimed) {
            claimed = true;
            source.claim(taskId);
        }
    }

    /** Reads the result in this thread if it can, else spins; at most {@code limitNanos}. */
    private void awaitBriefly(long limitNanos) {
        if (limitNanos <= 0 || super.isDone()) {
            claim();
            return;
        }
        if (source != null) {
            claimed = true;
            if (source.claimAndRead(taskId, this, limitNanos)) {
                return;
            }
        }
        busyWait(limitNanos);
    }

    /** Stays busy (the wait strategy's spin and yield phases) until done, at most {@code limitNanos}. */
    private void busyWait(long limitNanos) {
        long start = System.nanoTime();
        while (!super.isDone() && System.nanoTime() - start < limitNanos && waits.idle(start)) {
            // spinning, then yielding
        }
    }
}
