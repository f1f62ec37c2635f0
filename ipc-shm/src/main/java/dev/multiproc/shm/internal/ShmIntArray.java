package dev.multiproc.shm.internal;

import dev.multiproc.IpcLock;
import dev.multiproc.SharedIntArray;

import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * A fixed-length {@code int} array in shared memory over a {@link ValueDescriptor}. Element
 * accesses are volatile (sequentially consistent) through a {@link VarHandle}; {@link #toArray()},
 * {@link #copyTo} and {@link #copyFrom} are plain bulk copies ({@link MemorySegment#copy}, memcpy speed), not
 * atomic as a whole: hold {@link #lock()} (the reentrant lock in the same segment) for that.
 * Thread-safe. Serializable as a handle.
 */
public final class ShmIntArray implements SharedIntArray, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
    private static final ValueLayout.OfInt LAYOUT = ValueLayout.JAVA_INT;
    private static final VarHandle ELEMENT = LAYOUT.varHandle();
    private static final long AT = ValueDescriptor.ELEMENTS_OFFSET;
    private static final int SIZE = Integer.BYTES;

    private final Segment segment;
    private final MemorySegment mem;
    private final int length;
    private final ShmLock lock;

    /** @param segment a {@link SegmentDescriptor#KIND_INT_ARRAY} segment */
    public ShmIntArray(Segment segment) {
        this.segment = segment;
        this.mem = segment.body();
        this.length = (int) ValueDescriptor.LENGTH.get(mem, (long) ValueDescriptor.LENGTH_OFFSET);
        this.lock = new ShmLock(segment, ValueDescriptor.LOCK_OFFSET, true);
        if (ValueDescriptor.bodySize(length, SIZE) > mem.byteSize()) {
            throw new dev.multiproc.IpcException("segment " + segment.path() + " claims " + length
                    + " elements but its body has only " + mem.byteSize() + " bytes");
        }
    }

    private long offset(int i) {
        return AT + (long) Objects.checkIndex(i, length) * SIZE; // message names index and length
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public int get(int i) {
        return (int) ELEMENT.getVolatile(mem, offset(i));
    }

    @Override
    public void set(int i, int v) {
        ELEMENT.setVolatile(mem, offset(i), v);
    }

    @Override
    public int[] toArray() {
        int[] out = new int[length];
        MemorySegment.copy(mem, LAYOUT, AT, out, 0, length);
        return out;
    }

    @Override
    public void copyFrom(int[] src) {
        if (src.length > length) {
            throw new IndexOutOfBoundsException("cannot copy " + src.length + " elements into a shared array of length " + length);
        }
        MemorySegment.copy(src, 0, mem, LAYOUT, AT, src.length);
    }

    @Override
    public void copyTo(int[] dst) {
        if (dst.length > length) {
            throw new IndexOutOfBoundsException("cannot copy " + dst.length + " elements out of a shared array of length " + length);
        }
        MemorySegment.copy(mem, LAYOUT, AT, dst, 0, dst.length);
    }

    @Override
    public IpcLock lock() {
        return lock;
    }

    @Serial
    private Object writeReplace() {
        return Handles.serialized(Handles.KIND_INT_ARRAY, segment, null);
    }

    @Override
    public int addAndGet(int i, int d) {
        return (int) ELEMENT.getAndAdd(mem, offset(i), d) + d;
    }

    @Override
    public boolean compareAndSet(int i, int expect, int update) {
        return ELEMENT.compareAndSet(mem, offset(i), expect, update);
    }

    @Override
    public String toString() {
        return "SharedIntArray[" + segment.name() + ", length " + length + "]";
    }
}
