package dev.multiproc;

import java.time.Duration;

/**
 * A queue whose producers can wait until every item put has been processed
 * ({@code multiprocessing.JoinableQueue}).
 *
 * @param <E> the item type
 */
public interface JoinableQueue<E> extends IpcQueue<E> {
    /**
     * Marks one taken item as processed.
     *
     * @throws IllegalStateException if called more often than items were taken
     */
    void taskDone();

    /**
     * Waits until every item put has been marked done.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    void join() throws InterruptedException;

    /**
     * @param timeout how long to wait; zero or negative does not wait
     * @return true if every item has been marked done
     * @throws InterruptedException if interrupted while waiting
     */
    boolean join(Duration timeout) throws InterruptedException;
}
