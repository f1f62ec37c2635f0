package dev.multiproc;

/** A {@code long} in shared memory ({@code Value('q')}); see {@link SharedInt}. */
public interface SharedLong {
    /** @return the value (volatile read) */
    long get();

    /** @param v the new value (volatile write) */
    void set(long v);

    /** @return the value after adding one, atomically */
    long incrementAndGet();

    /**
     * @param d the delta
     * @return the value after adding {@code d}, atomically
     */
    long addAndGet(long d);

    /**
     * @param d the delta
     * @return the value before adding {@code d}, atomically
     */
    long getAndAdd(long d);

    /**
     * @param expect the expected value
     * @param update the new value
     * @return whether the value was {@code expect} and is now {@code update}
     */
    boolean compareAndSet(long expect, long update);

    /** @return the process-shared reentrant lock that guards compound updates */
    IpcLock lock();
}
