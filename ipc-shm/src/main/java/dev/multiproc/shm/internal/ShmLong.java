package dev.multiproc.shm.internal;

import dev.multiproc.SharedLong;

import java.io.Serial;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A {@code long} in shared memory over a {@link ValueDescriptor} of one element: every access is a
 * volatile (sequentially consistent) access through a {@link VarHandle} on the mapping, so other
 * processes see it at once. {@link #lock()} is the reentrant lock in the same segment. Thread-safe.
 * Serializable as a handle.
 */
public final class ShmLong extends ShmValue implements SharedLong {
    @Serial
    private static final long serialVersionUID = 1L;
    private static final VarHandle VALUE = ValueLayout.JAVA_LONG.varHandle();

    /** @param segment a {@link SegmentDescriptor#KIND_LONG} segment */
    public ShmLong(Segment segment) {
        super(segment, Handles.KIND_LONG, "SharedLong");
    }

    @Override
    public long get() {
        return (long) VALUE.getVolatile(mem, at());
    }

    @Override
    public void set(long v) {
        VALUE.setVolatile(mem, at(), v);
    }

    @Override
    public long incrementAndGet() {
        return (long) VALUE.getAndAdd(mem, at(), 1L) + 1;
    }

    @Override
    public long addAndGet(long d) {
        return (long) VALUE.getAndAdd(mem, at(), d) + d;
    }

    @Override
    public long getAndAdd(long d) {
        return (long) VALUE.getAndAdd(mem, at(), d);
    }

    @Override
    public boolean compareAndSet(long expect, long update) {
        return VALUE.compareAndSet(mem, at(), expect, update);
    }
}
