package dev.multiproc.shm.internal;

import dev.multiproc.SharedDoubleArray;

import java.io.Serial;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A fixed-length {@code double} array in shared memory over a {@link ValueDescriptor}. Element
 * accesses are volatile (sequentially consistent) through a {@link VarHandle}; {@link #toArray()},
 * {@link #copyTo} and {@link #copyFrom} are plain bulk copies ({@link MemorySegment#copy}, memcpy speed), not
 * atomic as a whole: hold {@link #lock()} (the reentrant lock in the same segment) for that.
 * Thread-safe. Serializable as a handle.
 */
public final class ShmDoubleArray extends ShmArray implements SharedDoubleArray {
    @Serial
    private static final long serialVersionUID = 1L;
    private static final ValueLayout.OfDouble LAYOUT = ValueLayout.JAVA_DOUBLE;
    private static final VarHandle ELEMENT = LAYOUT.varHandle();

    /** @param segment a {@link SegmentDescriptor#KIND_DOUBLE_ARRAY} segment */
    public ShmDoubleArray(Segment segment) {
        super(segment, LAYOUT, Handles.KIND_DOUBLE_ARRAY, "SharedDoubleArray");
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
        double[] out = new double[length()];
        copyOut(out, out.length);
        return out;
    }

    @Override
    public void copyFrom(double[] src) {
        copyIn(src, src.length);
    }

    @Override
    public void copyTo(double[] dst) {
        copyOut(dst, dst.length);
    }

    @Override
    public double addAndGet(int i, double d) {
        return addAndGetDouble(offset(i), d);
    }

    @Override
    public boolean compareAndSet(int i, double expect, double update) {
        return ELEMENT.compareAndSet(mem, offset(i), expect, update);
    }
}
