package dev.multiproc.shm.internal;

import dev.multiproc.SharedDouble;

import java.io.Serial;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A {@code double} in shared memory over a {@link ValueDescriptor} of one element: every access is a
 * volatile (sequentially consistent) access through a {@link VarHandle} on the mapping, so other
 * processes see it at once. {@link #lock()} is the reentrant lock in the same segment. Thread-safe.
 * Serializable as a handle.
 */
public final class ShmDouble extends ShmValue implements SharedDouble {
    @Serial
    private static final long serialVersionUID = 1L;
    private static final VarHandle VALUE = ValueLayout.JAVA_DOUBLE.varHandle();

    /** @param segment a {@link SegmentDescriptor#KIND_DOUBLE} segment */
    public ShmDouble(Segment segment) {
        super(segment, Handles.KIND_DOUBLE, "SharedDouble");
    }

    @Override
    public double get() {
        return (double) VALUE.getVolatile(mem, at());
    }

    @Override
    public void set(double v) {
        VALUE.setVolatile(mem, at(), v);
    }

    @Override
    public double addAndGet(double d) {
        return addAndGetDouble(at(), d);
    }

    @Override
    public boolean compareAndSet(double expect, double update) {
        return VALUE.compareAndSet(mem, at(), expect, update);
    }
}
