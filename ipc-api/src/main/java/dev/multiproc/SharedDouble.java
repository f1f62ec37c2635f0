package dev.multiproc;

/** A {@code double} in shared memory ({@code Value('d')}); see {@link SharedInt}. */
public interface SharedDouble {
    /** @return the value (volatile read) */
    double get();

    /** @param v the new value (volatile write) */
    void set(double v);

    /**
     * @param d the delta
     * @return the value after adding {@code d}, atomically
     */
    double addAndGet(double d);

    /**
     * Compares bit patterns, as {@code AtomicLong} over {@code doubleToRawLongBits}.
     *
     * @param expect the expected value
     * @param update the new value
     * @return whether the value was {@code expect} and is now {@code update}
     */
    boolean compareAndSet(double expect, double update);

    /** @return the process-shared reentrant lock that guards compound updates */
    IpcLock lock();
}
