package dev.multiproc.shm.internal;

import dev.multiproc.SharedInt;

import java.io.Serial;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A {@code int} in shared memory over a {@link ValueDescriptor} of one element: every access is a
 * volatile (sequentially consistent) access through a {@link VarHandle} on the mapping, so other
 * processes see it at once. {@link #lock()} is the reentrant lock in the same segment. Thread-safe.
 * Serializable as a handle.
 */
public final class ShmInt extends ShmValue implements SharedInt {
    @Serial
    private static final long serialVersionUID = 1L;
    private static final VarHandle VALUE = ValueLayout.JAVA_INT.varHandle();

    /** @param segment a {@link SegmentDescriptor#KIND_INT} segment */
    public ShmInt(Segment segment) {
        super(segment, Handles.KIND_INT, "SharedInt");
    }

    @Override
    public int get() {
        return (int) VALUE.getVolatile(mem, at());
    }

    @Override
    public void set(int v) {
        VALUE.setVolatile(mem, at(), v);
    }

    @Override
    public int incrementAndGet() {
        return (int) VALUE.getAndAdd(mem, at(), 1) + 1;
    }

    @Override
    public int addAndGet(int d) {
        return (int) VALUE.getAndAdd(mem, at(), d) + d;
    }

    @Override
    public int getAndAdd(int d) {
        return (int) VALUE.getAndAdd(mem, at(), d);
    }

    @Override
    public boolean compareAndSet(int expect, int update) {
        return VALUE.compareAndSet(mem, at(), expect, update);
    }
}
