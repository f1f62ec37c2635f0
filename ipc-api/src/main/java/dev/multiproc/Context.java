package dev.multiproc;

import java.nio.file.Path;

/**
 * The factory of every primitive, bound to one transport ({@code get_context()} in Python).
 * Closing it releases everything it created: children it started are terminated, pools shut
 * down, shared segments unlinked. What another process created is never unlinked here.
 * Thread-safe.
 */
public interface Context extends AutoCloseable {
    /** @return the transport name: "pipe", "shm" or "socket" */
    String transport();

    /** Releases everything this context created. Idempotent; throws no checked exception. */
    @Override
    void close();

    /**
     * @param target what the child runs
     * @return a new, not yet started, child process named {@code Process-N}
     */
    IpcProcess process(ProcessTarget target);

    /**
     * @param name   the child's name
     * @param target what the child runs
     * @return a new, not yet started, child process
     */
    IpcProcess process(String name, ProcessTarget target);

    /**
     * @param processes number of workers
     * @return a started pool
     */
    Pool pool(int processes);

    /**
     * @param options pool options
     * @return a started pool
     */
    Pool pool(PoolOptions options);

    /** @return a duplex pipe */
    Pipe pipe();

    /**
     * @param duplex false for a one-way pipe: left receives, right sends
     * @return a pipe
     */
    Pipe pipe(boolean duplex);

    /**
     * @param <E> item type
     * @return an unbounded queue
     */
    <E> IpcQueue<E> queue();

    /**
     * @param maxsize capacity; zero or negative means unbounded
     * @param <E>     item type
     * @return a queue
     */
    <E> IpcQueue<E> queue(int maxsize);

    /**
     * @param <E> item type
     * @return an unbounded joinable queue
     */
    <E> JoinableQueue<E> joinableQueue();

    /**
     * @param maxsize capacity; zero or negative means unbounded
     * @param <E>     item type
     * @return a joinable queue
     */
    <E> JoinableQueue<E> joinableQueue(int maxsize);

    /**
     * @param initial initial value
     * @return a shared int ({@code Value('i', initial)})
     */
    SharedInt sharedInt(int initial);

    /**
     * @param initial initial value
     * @return a shared long ({@code Value('q', initial)})
     */
    SharedLong sharedLong(long initial);

    /**
     * @param initial initial value
     * @return a shared double ({@code Value('d', initial)})
     */
    SharedDouble sharedDouble(double initial);

    /**
     * @param length number of elements, all zero
     * @return a shared int array
     */
    SharedIntArray sharedIntArray(int length);

    /**
     * @param values initial elements
     * @return a shared int array holding them
     */
    SharedIntArray sharedIntArrayOf(int... values);

    /**
     * @param length number of elements, all zero
     * @return a shared long array
     */
    SharedLongArray sharedLongArray(int length);

    /**
     * @param values initial elements
     * @return a shared long array holding them
     */
    SharedLongArray sharedLongArrayOf(long... values);

    /**
     * @param length number of elements, all zero
     * @return a shared double array
     */
    SharedDoubleArray sharedDoubleArray(int length);

    /**
     * @param values initial elements
     * @return a shared double array holding them
     */
    SharedDoubleArray sharedDoubleArrayOf(double... values);

    /**
     * @param size usable bytes
     * @return a new named block of shared memory
     */
    SharedMemory sharedMemory(long size);

    /**
     * Creates a block under a name of the caller's choosing ({@code SharedMemory(name, create=True, size)}).
     * Its file in the shm directory is {@code multiproc-<name>} (or {@code name} if it already has that prefix).
     *
     * @param name letters, digits, '.', '_' or '-'
     * @param size usable bytes
     * @return a new block, owned by this process
     * @throws ResourceExistsException if a block of that name exists
     */
    SharedMemory sharedMemory(String name, long size);

    /**
     * @param name the block's name
     * @return the block, attached (this process does not own it)
     * @throws ResourceNotFoundException if there is no such block
     */
    SharedMemory attachSharedMemory(String name);

    /** @return a non-reentrant process-shared lock */
    IpcLock lock();

    /** @return a reentrant process-shared lock */
    IpcLock rlock();

    /**
     * @param permits initial permits
     * @return a semaphore
     */
    IpcSemaphore semaphore(int permits);

    /**
     * @param permits initial and maximum permits
     * @return a semaphore that refuses to be released past {@code permits}
     */
    IpcSemaphore boundedSemaphore(int permits);

    /** @return an event, initially clear */
    IpcEvent event();

    /**
     * @param parties number of parties
     * @return a cyclic barrier
     */
    IpcBarrier barrier(int parties);

    /** @return a manager server process with default options */
    Manager manager();

    /**
     * @param options registered types, address, authkey
     * @return a manager server process
     */
    Manager manager(ManagerOptions options);

    /**
     * @param directory the journal directory; reopening it resumes where it stopped
     * @param <E>       item type
     * @return a durable queue
     */
    <E> DurableQueue<E> durableQueue(Path directory);
}
