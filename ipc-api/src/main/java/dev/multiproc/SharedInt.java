package dev.multiproc;

/**
 * An {@code int} in shared memory ({@code Value('i')}): atomic, visible to every process that
 * holds the handle. Serializable as a handle.
 */
public interface SharedInt {
    /** @return the value (volatile read) */
    int get();

    /** @param v the new value (volatile write) */
    void set(int v);

    /** @return the value after adding one, atomically */
    int incrementAndGet();

    /**
     * @param d the delta
     * @return the value after adding {@code d}, atomically
     */
    int addAndGet(int d);

    /**
     * @param d the delta
     * @return the value before adding {@code d}, atomically
     */
    int getAndAdd(int d);

    /**
     * @param expect the expected value
     * @param update the new value
     * @return whether the value was {@code expect} and is now {@code update}
     */
    boolean compareAndSet(int expect, int update);

    /** @return the process-shared reentrant lock that guards compound updates ({@code get_lock()}) */
    IpcLock lock();
}
