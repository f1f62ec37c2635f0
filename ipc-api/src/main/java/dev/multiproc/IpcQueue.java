package dev.multiproc;

import java.time.Duration;

/**
 * A FIFO queue shared by any number of processes ({@code multiprocessing.Queue}). Each item is
 * delivered to exactly one consumer; order is kept per producer. Serializable as a handle.
 *
 * @param <E> the item type
 */
public interface IpcQueue<E> extends AutoCloseable {
    /**
     * Adds an item, waiting while the queue is full.
     *
     * @param e the item
     * @throws InterruptedException if interrupted while waiting
     * @throws SerializationException if the item cannot be serialized; nothing is enqueued
     * @throws QueueClosedException after {@link #close()}
     */
    void put(E e) throws InterruptedException;

    /**
     * @param e the item
     * @return false if the queue is full
     */
    boolean offer(E e);

    /**
     * @param e       the item
     * @param timeout how long to wait for room; zero or negative does not wait
     * @return false if still full after the timeout
     * @throws InterruptedException if interrupted while waiting
     */
    boolean offer(E e, Duration timeout) throws InterruptedException;

    /**
     * @return the head item, waiting for one
     * @throws InterruptedException if interrupted while waiting
     */
    E take() throws InterruptedException;

    /** @return the head item, or null if empty */
    E poll();

    /**
     * @param timeout how long to wait; zero or negative does not wait
     * @return the head item, or null on timeout
     * @throws InterruptedException if interrupted while waiting
     */
    E poll(Duration timeout) throws InterruptedException;

    /** @return the number of items, exact as seen after this process's own put returned */
    int size();

    /** @return whether the queue is empty */
    boolean isEmpty();

    /** @return whether the queue is at its maxsize */
    boolean isFull();

    /** Closes this process's use of the queue; other processes are unaffected. Idempotent. */
    @Override
    void close();
}
