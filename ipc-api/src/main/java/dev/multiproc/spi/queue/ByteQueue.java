package dev.multiproc.spi.queue;

import dev.multiproc.spi.wait.Deadline;
import dev.multiproc.wire.HandleDescriptor;

/**
 * A transport's queue of byte items: the seam under {@link dev.multiproc.IpcQueue} and
 * {@link dev.multiproc.JoinableQueue}, which {@link QueueHandle} implements once over it
 * (serializing in the caller's thread, outside any lock of the queue). Items are whole
 * serialized values, never empty. Thread-safe.
 */
public interface ByteQueue {
    /** @return the queue's name, unique on the host */
    String name();

    /** @return the capacity; zero or negative means unbounded */
    int maxsize();

    /** @return whether taskDone/join are allowed */
    boolean joinable();

    /** @return the largest item accepted */
    int maxItemBytes();

    /**
     * Adds an item, waiting while a bounded queue is full.
     *
     * @param item a serialized item
     * @throws InterruptedException if interrupted while waiting (the item was not added)
     * @throws dev.multiproc.FrameTooLargeException if it is over {@link #maxItemBytes()}; nothing is sent
     * @throws dev.multiproc.QueueClosedException   after close, or when the queue's owner is gone
     */
    void put(byte[] item) throws InterruptedException;

    /**
     * @param item     a serialized item
     * @param deadline how long to wait for room; a passed deadline does not wait
     * @return false if the queue stayed full
     * @throws InterruptedException if interrupted while waiting
     */
    boolean offer(byte[] item, Deadline deadline) throws InterruptedException;

    /**
     * @param deadline how long to wait; a passed deadline does not wait (poll)
     * @return the head item, or null when the deadline passed first
     * @throws InterruptedException if interrupted while waiting (no item was consumed)
     */
    byte[] take(Deadline deadline) throws InterruptedException;

    /** @return items put and not yet taken, after everything this process put */
    long size();

    /**
     * Marks one taken item done.
     *
     * @throws IllegalStateException if called more often than items were put
     */
    void taskDone();

    /**
     * @param deadline how long to wait
     * @return true once every item put has been marked done
     * @throws InterruptedException if interrupted while waiting
     */
    boolean join(Deadline deadline) throws InterruptedException;

    /** @return the descriptor a handle of this queue writes, to which the handle adds its serializer */
    HandleDescriptor.Builder describe();

    /** @return whether this process closed its use of the queue */
    boolean isClosed();

    /** Ends this process's use of the queue; other processes are unaffected. Idempotent. */
    void close();
}
