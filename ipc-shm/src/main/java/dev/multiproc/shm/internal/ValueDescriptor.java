package dev.multiproc.shm.internal;

/**
 * Layout of a shared value or array (the body of the {@code KIND_INT} .. {@code KIND_DOUBLE_ARRAY}
 * segments): the {@link LockDescriptor lock block} of its {@code lock()}, the element count, then
 * the elements, cache-line aligned. A scalar is an array of one.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |          Lock block (LockDescriptor, 1088 bytes)              |     0
 *  +---------------------------------------------------------------+
 *  |                   length, int (elements)                      |  1088
 *  +---------------------------------------------------------------+
 *  |                     Reserved (60 bytes)                       |  1092
 *  +---------------------------------------------------------------+
 *  |          elements: length x 4 (int) or 8 (long, double)       |  1152
 *  |                              ...                              |
 * </pre>
 */
public final class ValueDescriptor {
    /** Offset of the lock block. */
    public static final int LOCK_OFFSET = 0;
    /** Offset of the element count (int). */
    public static final int LENGTH_OFFSET = LockDescriptor.LENGTH;
    /** Offset of element 0. */
    public static final int ELEMENTS_OFFSET = LENGTH_OFFSET + 64;

    /** Access to the element count: {@code (int) LENGTH.get(body, (long) LENGTH_OFFSET)}; immutable after creation. */
    public static final java.lang.invoke.VarHandle LENGTH = java.lang.foreign.ValueLayout.JAVA_INT.varHandle();

    private ValueDescriptor() {
    }

    /**
     * @param length      element count
     * @param elementSize bytes per element
     * @return the body size
     */
    public static long bodySize(int length, int elementSize) {
        return ELEMENTS_OFFSET + (long) length * elementSize;
    }
}
