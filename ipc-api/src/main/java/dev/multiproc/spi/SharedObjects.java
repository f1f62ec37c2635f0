package dev.multiproc.spi;

import dev.multiproc.DurableQueue;
import dev.multiproc.IpcBarrier;
import dev.multiproc.IpcEvent;
import dev.multiproc.IpcLock;
import dev.multiproc.IpcSemaphore;
import dev.multiproc.SharedDouble;
import dev.multiproc.SharedDoubleArray;
import dev.multiproc.SharedInt;
import dev.multiproc.SharedIntArray;
import dev.multiproc.SharedLong;
import dev.multiproc.SharedLongArray;
import dev.multiproc.SharedMemory;

import java.nio.file.Path;

/** Shared values and sync primitives of one context; see {@link dev.multiproc.Context} for each method. */
public interface SharedObjects extends AutoCloseable {
    /** @param initial initial value @return a shared int */
    SharedInt sharedInt(int initial);

    /** @param initial initial value @return a shared long */
    SharedLong sharedLong(long initial);

    /** @param initial initial value @return a shared double */
    SharedDouble sharedDouble(double initial);

    /** @param values initial elements @return a shared int array */
    SharedIntArray sharedIntArray(int[] values);

    /** @param values initial elements @return a shared long array */
    SharedLongArray sharedLongArray(long[] values);

    /** @param values initial elements @return a shared double array */
    SharedDoubleArray sharedDoubleArray(double[] values);

    /**
     * @param length element count
     * @return a shared int array of zeros, whose pages nothing touched (a new file reads as zeros)
     */
    SharedIntArray sharedIntArray(int length);

    /**
     * @param length element count
     * @return a shared long array of zeros, whose pages nothing touched
     */
    SharedLongArray sharedLongArray(int length);

    /**
     * @param length element count
     * @return a shared double array of zeros, whose pages nothing touched
     */
    SharedDoubleArray sharedDoubleArray(int length);

    /** @param size usable bytes @return a new block */
    SharedMemory sharedMemory(long size);

    /**
     * Creates a block under a name of the caller's choosing ({@code SharedMemory(name, create=True)}).
     *
     * @param name the name other processes attach with
     * @param size usable bytes
     * @return a new block
     * @throws dev.multiproc.ResourceExistsException if a block of that name exists
     * @throws UnsupportedOperationException if this provider cannot name blocks
     */
    default SharedMemory sharedMemory(String name, long size) {
        throw new UnsupportedOperationException("named shared memory is not supported by " + getClass().getName());
    }

    /** @param name the block's name @return the block, attached */
    SharedMemory attachSharedMemory(String name);

    /** @return a non-reentrant lock */
    IpcLock lock();

    /** @return a reentrant lock */
    IpcLock rlock();

    /** @param permits initial permits @param bounded whether release past them fails @return a semaphore */
    IpcSemaphore semaphore(int permits, boolean bounded);

    /** @return an event */
    IpcEvent event();

    /** @param parties number of parties @return a barrier */
    IpcBarrier barrier(int parties);

    /** @param directory journal directory @param <E> item type @return a durable queue */
    <E> DurableQueue<E> durableQueue(Path directory);

    /** Releases what this factory created. Idempotent. */
    @Override
    void close();
}
