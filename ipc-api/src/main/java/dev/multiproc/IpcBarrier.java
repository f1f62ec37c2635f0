package dev.multiproc;

import java.time.Duration;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.TimeoutException;

/**
 * A cyclic barrier shared by processes, with {@link java.util.concurrent.CyclicBarrier}
 * semantics: a timed-out party gets {@link TimeoutException} and breaks the barrier, the others
 * get {@link BrokenBarrierException}; {@link #abort()} breaks it; {@link #reset()} mends it.
 */
public interface IpcBarrier {
    /**
     * @return the arrival index: {@code parties() - 1} for the first to arrive, 0 for the last
     * @throws InterruptedException   if interrupted while waiting
     * @throws BrokenBarrierException if the barrier is or becomes broken
     */
    int await() throws InterruptedException, BrokenBarrierException;

    /**
     * @param timeout how long to wait
     * @return the arrival index
     * @throws InterruptedException   if interrupted while waiting
     * @throws BrokenBarrierException if the barrier is or becomes broken
     * @throws TimeoutException       if the timeout passed (the barrier is then broken)
     */
    int await(Duration timeout) throws InterruptedException, BrokenBarrierException, TimeoutException;

    /** Breaks the barrier for current waiters, then resets it for new use. */
    void reset();

    /** Breaks the barrier: every waiter, present and future, gets BrokenBarrierException until reset. */
    void abort();

    /** @return whether the barrier is broken */
    boolean isBroken();

    /** @return the number of parties */
    int parties();

    /** @return the number of parties waiting now */
    int numberWaiting();
}
