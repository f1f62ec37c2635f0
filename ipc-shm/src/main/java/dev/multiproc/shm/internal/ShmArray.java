package dev.multiproc.shm.internal;

import dev.multiproc.IpcException;
import dev.multiproc.IpcLock;

import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * What every fixed-length primitive array in shared memory has in common, over a
 * {@link ValueDescriptor}: the element count (read once: immutable after creation), index checks,
 * the reentrant lock in the same segment, the bulk copies ({@link MemorySegment#copy}, plain,
 * memcpy speed, not atomic as a whole) and the handle written in place of the array. The typed
 * subclasses keep only their element accesses, each with its own {@code VarHandle} and explicit
 * memory ordering. Thread-safe.
 */
abstract class ShmArray implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
    /** Offset of element 0 in the body. */
    static final long AT = ValueDescriptor.ELEMENTS_OFFSET;

    /** The segment, for the handle and messages. */
    final Segment segment;
    /** Its body. */
    final MemorySegment mem;
    private final int length;
    private final ShmLock lock;
    private final ValueLayout layout;
    private final String handleKind;
    private final String typeName;

    /**
     * @param segment    an array segment of the subclass's kind
     * @param layout     the element layout ({@code JAVA_INT}, {@code JAVA_LONG}, {@code JAVA_DOUBLE})
     * @param handleKind its {@code Handles.KIND_*}
     * @param typeName   the public interface name, for {@link #toString()}
     * @throws IpcException if the body is too small for the element count it claims
     */
    ShmArray(Segment segment, ValueLayout layout, String handleKind, String typeName) {
        this.segment = segment;
        this.mem = segment.body();
        this.length = (int) ValueDescriptor.LENGTH.get(mem, (long) ValueDescriptor.LENGTH_OFFSET); // plain: immutable
        this.lock = new ShmLock(segment, ValueDescriptor.LOCK_OFFSET, true);
        this.layout = layout;
        this.handleKind = handleKind;
        this.typeName = typeName;
        if (ValueDescriptor.bodySize(length, (int) layout.byteSize()) > mem.byteSize()) {
            throw new IpcException("segment " + segment.path() + " claims " + length
                    + " elements but its body has only " + mem.byteSize() + " bytes");
        }
    }

    /**
     * @param i an element index
     * @return its offset in the body
     * @throws IndexOutOfBoundsException naming the index and the length, if out of range
     */
    final long offset(int i) {
        return AT + (long) Objects.checkIndex(i, length) * layout.byteSize();
    }

    /** @return the element count */
    public final int length() {
        return length;
    }

    /** @return the process-shared reentrant lock in the same segment */
    public final IpcLock lock() {
        return lock;
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
        MemorySegment.copy(mem, layout, AT, dst, 0, count);
    }

    /** @return the handle written in place of this array (package-private so subclasses inherit it) */
    @Serial
    final Object writeReplace() {
        return Handles.serialized(handleKind, segment, null);
    }

    @Override
    public final String toString() {
        return typeName + "[" + segment.name() + ", length " + length + "]";
    }
}
