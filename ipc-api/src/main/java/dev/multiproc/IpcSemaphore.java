package dev.multiproc;

import java.time.Duration;

/** A counting semaphore shared by processes; a bounded one refuses to grow past its initial permits. */
public interface IpcSemaphore {
    /**
     * Takes a permit, waiting for one.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    void acquire() throws InterruptedException;

    /** @return whether a permit was taken without waiting */
    boolean tryAcquire();

    /**
     * @param timeout how long to wait; zero or negative does not wait
     * @return whether a permit was taken
     * @throws InterruptedException if interrupted while waiting
     */
    boolean tryAcquire(Duration timeout) throws InterruptedException;

    /**
     * Returns a permit.
     *
     * @throws IllegalStateException on a bounded semaphore already at its initial permits
     */
    void release();

    /** @return the permits available now */
    int availablePermits();
}
