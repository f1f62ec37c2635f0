package dev.multiproc.shm.internal;

import dev.multiproc.SharedLongArray;

import java.io.Serial;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A fixed-length {@code long} array in shared memory over a {@link ValueDescriptor}. Element
 * accesses are volatile (sequentially consistent) through a {@link VarHandle}; {@link #toArray()},
 * {@link #copyTo} and {@link #copyFrom} are plain bulk copies ({@link MemorySegment#copy}, memcpy speed), not
 * atomic as a whole: hold {@link #lock()} (the reentrant lock in the same segment) for that.
 * Thread-safe. Serializable as a handle.
 */
public final class ShmLongArray extends ShmArray implements SharedLongArray {
    @Serial
    private static final long serialVersionUID = 1L;
    private static final ValueLayout.OfLong LAYOUT = ValueLayout.JAVA_LONG;
    private static final VarHandle ELEMENT = LAYOUT.varHandle();

    /** @param segment a {@link SegmentDescriptor#KIND_LONG_ARRAY} segment */
    public ShmLongArray(Segment segment) {
        super(segment, LAYOUT, Handles.KIND_LONG_ARRAY, "SharedLongArray");
    }

    @Override
    public long get(int i) {
        return (long) ELEMENT.getVolatile(mem, offset(i));
    }

    @Override
    public void set(int i, long v) {
        ELEMENT.setVolatile(mem, offset(i), v);
    }

    @Override
    public long[] toArray() {
        long[] out = new long[length()];
        copyOut(out, out.length);
        return out;
    }

    @Override
    public void copyFrom(long[] src) {
        copyIn(src, src.length);
    }

    @Override
    public void copyTo(long[] dst) {
        copyOut(dst, dst.length);
    }

    @Override
    public long addAndGet(int i, long d) {
        return (long) ELEMENT.getAndAdd(mem, offset(i), d) + d;
    }

    @Override
    public long getAndAdd(int i, long d) {
        return (long) ELEMENT.getAndAdd(mem, offset(i), d);
    }

    @Override
    public long incrementAndGet(int i) {
        return (long) ELEMENT.getAndAdd(mem, offset(i), 1L) + 1;
    }

    @Override
    public boolean compareAndSet(int i, long expect, long update) {
        return ELEMENT.compareAndSet(mem, offset(i), expect, update);
    }
}
