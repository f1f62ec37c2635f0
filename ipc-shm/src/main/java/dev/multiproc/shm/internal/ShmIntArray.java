package dev.multiproc.shm.internal;

import dev.multiproc.SharedIntArray;

import java.io.Serial;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A fixed-length {@code int} array in shared memory over a {@link ValueDescriptor}. Element
 * accesses are volatile (sequentially consistent) through a {@link VarHandle}; {@link #toArray()},
 * {@link #copyTo} and {@link #copyFrom} are plain bulk copies ({@link MemorySegment#copy}, memcpy speed), not
 * atomic as a whole: hold {@link #lock()} (the reentrant lock in the same segment) for that.
 * Thread-safe. Serializable as a handle.
 */
public final class ShmIntArray extends ShmArray implements SharedIntArray {
    @Serial
    private static final long serialVersionUID = 1L;
    private static final ValueLayout.OfInt LAYOUT = ValueLayout.JAVA_INT;
    private static final VarHandle ELEMENT = LAYOUT.varHandle();

    /** @param segment a {@link SegmentDescriptor#KIND_INT_ARRAY} segment */
    public ShmIntArray(Segment segment) {
        super(segment, LAYOUT, Handles.KIND_INT_ARRAY, "SharedIntArray");
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
        int[] out = new int[length()];
        copyOut(out, out.length);
        return out;
    }

    @Override
    public void copyFrom(int[] src) {
        copyIn(src, src.length);
    }

    @Override
    public void copyTo(int[] dst) {
        copyOut(dst, dst.length);
    }

    @Override
    public int addAndGet(int i, int d) {
        return (int) ELEMENT.getAndAdd(mem, offset(i), d) + d;
    }

    @Override
    public int getAndAdd(int i, int d) {
        return (int) ELEMENT.getAndAdd(mem, offset(i), d);
    }

    @Override
    public int incrementAndGet(int i) {
        return (int) ELEMENT.getAndAdd(mem, offset(i), 1) + 1;
    }

    @Override
    public boolean compareAndSet(int i, int expect, int update) {
        return ELEMENT.compareAndSet(mem, offset(i), expect, update);
    }
}
