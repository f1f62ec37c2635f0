package dev.multiproc.shm.internal;

import dev.multiproc.IpcLock;
import dev.multiproc.SharedDoubleArray;

import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * A fixed-length {@code double} array in shared memory over a {@link ValueDescriptor}. Element
 * accesses are volatile (sequentially consistent) through a {@link VarHandle}; {@link #toArray()},
 * {@link #copyTo} and {@link #copyFrom} are plain bulk copies ({@link MemorySegment#copy}, memcpy speed), not
 * atomic as a whole: hold {@link #lock()} (the reentrant lock in the same segment) for that.
 * Thread-safe. Serializable as a handle.
 */
public final class ShmDoubleArray implements SharedDoubleArray, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
    private static final ValueLayout.OfDouble LAYOUT = ValueLayout.JAVA_DOUBLE;
    private static final VarHandle ELEMENT = LAYOUT.varHandle();
    private static final long AT = ValueDescriptor.ELEMENTS_OFFSET;
    private static final int SIZE = Double.BYTES;

    private final Segment segment;
    private final MemorySegment mem;
    private final int length;
    private final ShmLock lock;

    /** @param segment a {@link SegmentDescriptor#KIND_DOUBLE_ARRAY} segment */
    public ShmDoubleArray(Segment segment) {
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
    public double get(int i) {
        return (double) ELEMENT.getVolatile(mem, offset(i));
    }

    @Override
    public void set(int i, double v) {
        ELEMENT.setVolatile(mem, offset(i), v);
    }

    @Override
    public double[] toArray() {
        double[] out = new double[length];
        MemorySegment.copy(mem, LAYOUT, AT, out, 0, length);
        return out;
    }

    @Override
    public void copyFrom(double[] src) {
        if (src.length > length) {
            throw new IndexOutOfBoundsException("cannot copy " + src.length + " elements into a shared array of length " + length);
        }
        MemorySegment.copy(src, 0, mem, LAYOUT, AT, src.length);
    }

    @Override
    public void copyTo(double[] dst) {
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
        return Handles.serialized(Handles.KIND_DOUBLE_ARRAY, segment, null);
    }

    @Override
    public double addAndGet(int i, double d) {
        long at = offset(i);
        while (true) {
            double old = (double) ELEMENT.getVolatile(mem, at);
            double updated = old + d;
            if (ELEMENT.compareAndSet(mem, at, old, updated)) { // compares bit patterns
                return updated;
            }
        }
    }

    @Override
    public boolean compareAndSet(int i, double expect, double update) {
        return ELEMENT.compareAndSet(mem, offset(i), expect, update);
    }

    @Override
    public String toString() {
        return "SharedDoubleArray[" + segment.name() + ", length " + length + "]";
    }
}
