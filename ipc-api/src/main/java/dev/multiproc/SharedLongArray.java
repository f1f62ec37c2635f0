package dev.multiproc;

/**
 * A fixed-length {@code long} array in shared memory ({@code Array}). Element operations are
 * atomic; bulk copies are not atomic as a whole (use {@link #lock()}). An out-of-range index
 * throws {@link IndexOutOfBoundsException} naming the index and the length.
 */
public interface SharedLongArray {
    /** @return the number of elements */
    int length();

    /**
     * @param i the index
     * @return element {@code i} (volatile read)
     */
    long get(int i);

    /**
     * @param i the index
     * @param v the new value (volatile write)
     */
    void set(int i, long v);

    /**
     * @param i the index
     * @param d the delta
     * @return element {@code i} after adding {@code d}, atomically
     */
    long addAndGet(int i, long d);

    /**
     * @param i the index
     * @param d the delta
     * @return element {@code i} before adding {@code d}, atomically
     */
    long getAndAdd(int i, long d);

    /**
     * @param i the index
     * @return element {@code i} after adding one, atomically
     */
    long incrementAndGet(int i);

    /**
     * @param i      the index
     * @param expect the expected value (atomic)
     * @param update the new value
     * @return whether the element was {@code expect} and is now {@code update}
     */
    boolean compareAndSet(int i, long expect, long update);

    /** @return a copy of every element */
    long[] toArray();

    /**
     * Copies {@code src} into the start of this array.
     *
     * @param src the values; at most {@link #length()} of them
     * @throws IndexOutOfBoundsException if {@code src} is longer than this array
     */
    void copyFrom(long[] src);

    /**
     * Copies the first {@code dst.length} elements into {@code dst}: {@link #toArray()} without
     * allocating (and zeroing) a new array, for bulk reads at memory-copy speed.
     *
     * @param dst where to copy; at most {@link #length()} long
     * @throws IndexOutOfBoundsException if {@code dst} is longer than this array
     */
    default void copyTo(long[] dst) {
        if (dst.length > length()) {
            throw new IndexOutOfBoundsException("cannot copy " + dst.length + " elements out of a shared array of length " + length());
        }
        System.arraycopy(toArray(), 0, dst, 0, dst.length);
    }

    /** @return the process-shared reentrant lock that guards compound updates */
    IpcLock lock();
}
