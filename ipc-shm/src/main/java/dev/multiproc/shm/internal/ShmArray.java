package dev.multiproc.shm.internal;

import dev.multiproc.IpcException;

import java.io.Serial;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * What every fixed-length primitive array in shared memory adds to a {@link ShmValue}: the element
 * count (read once: immutable after creation), index checks and the bulk copies
 * ({@link MemorySegment#copy}, plain, memcpy speed, not atomic as a whole). The typed subclasses
 * keep only their element accesses, each with its own {@code VarHandle} and explicit memory
 * ordering. Thread-safe.
 */
abstract class ShmArray extends ShmValue {
    @Serial
    private static final long serialVersionUID = 1L;

    private final int length;
    private final ValueLayout layout;
    private final long elementSize;

    /**
     * @param segment    an array segment of the subclass's kind
     * @param layout     the element layout ({@code JAVA_INT}, {@code JAVA_LONG}, {@code JAVA_DOUBLE})
     * @param handleKind its {@code Handles.KIND_*}
     * @param typeName   the public interface name, for {@link #toString()}
     * @throws IpcException if the body is too small for the element count it claims
     */
    ShmArray(Segment segment, ValueLayout layout, String handleKind, String typeName) {
        super(segment, handleKind, typeName);
        this.length = (int) ValueDescriptor.LENGTH.get(mem, (long) ValueDescriptor.LENGTH_OFFSET); // plain: immutable
        this.layout = layout;
        this.elementSize = layout.byteSize();
        if (ValueDescriptor.bodySize(length, (int) elementSize) > mem.byteSize()) {
            throw new IpcException("segment " + segment.path() + " claims " + length
                    + " elements but its body has only " + mem.byteSize() + " bytes");
        }
    }

    /**
     * @param i an element index
     * @return its offset in the body
     * @throws IndexOutOfBoundsException naming the index and the length, if out of range
     * @throws IllegalStateException naming the array, if it was closed here
     */
    final long offset(int i) {
        checkOpen();
        return AT + (long) Objects.checkIndex(i, length) * elementSize;
    }

    /** @return the element count */
    public final int length() {
        return length;
    }

    /**
     * Copies the first {@code count} elements of a Java array into elements {@code 0..count-1}
     * (plain bulk copy).
     *
     * @param src   an array of the element type
     * @param count its length
     * @throws IndexOutOfBoundsException if {@code count} exceeds {@link #length()}
     */
    final void copyIn(Object src, int count) {
        if (count > length) {
            throw new IndexOutOfBoundsException("cannot copy " + count + " elements into a shared array of length " + length);
        }
        checkOpen();
        MemorySegment.copy(src, 0, mem, layout, AT, count);
    }

    /**
     * Copies elements {@code 0..count-1} into a Java array (plain bulk copy).
     *
     * @param dst   an array of the element type
     * @param count its length
     * @throws IndexOutOfBoundsException if {@code count} exceeds {@link #length()}
     */
    final void copyOut(Object dst, int count) {
        if (count > length) {
            throw new IndexOutOfBoundsException("cannot copy " + count + " elements out of a shared array of length " + length);
        }
        checkOpen();
        MemorySegment.copy(mem, layout, AT, dst, 0, count);
    }

    @Override
    public final String toString() {
        return typeName + "[" + segment.name() + ", length " + length + "]";
    }
}
