package dev.multiproc;

import java.time.Duration;

/** A flag processes can wait on ({@code multiprocessing.Event}). */
public interface IpcEvent {
    /** Sets the flag and wakes every waiter. */
    void set();

    /** Clears the flag. */
    void clear();

    /** @return whether the flag is set */
    boolean isSet();

    /**
     * Waits until the flag is set.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    void await() throws InterruptedException;

    /**
     * @param timeout how long to wait; zero or negative does not wait
     * @return whether the flag is set
     * @throws InterruptedException if interrupted while waiting
     */
    boolean await(Duration timeout) throws InterruptedException;
}
