package dev.multiproc.shm.internal;

import dev.multiproc.IpcLock;

import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * What every shared value over a {@link ValueDescriptor} has in common, scalar or array (a scalar
 * is an array of one): the segment and its body, the reentrant lock in the same segment, and the
 * handle written in place of the value. The typed subclasses keep only their accesses to the
 * elements from {@link #AT}, each with its own {@code VarHandle} and explicit memory ordering.
 * Thread-safe.
 */
abstract class ShmValue implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
    /** Offset of the value (element 0) in the body. */
    static final long AT = ValueDescriptor.ELEMENTS_OFFSET;
    private static final VarHandle DOUBLE = ValueLayout.JAVA_DOUBLE.varHandle();

    /** The segment, for the handle and messages. */
    final Segment segment;
    /** Its body. */
    final MemorySegment mem;
    /** The public interface name, for {@link #toString()}. */
    final String typeName;
    private final ShmLock lock;
    private final String handleKind;

    /**
     * @param segment    a value segment of the subclass's kind
     * @param handleKind its {@code Handles.KIND_*}
     * @param typeName   the public interface name, for {@link #toString()}
     */
    ShmValue(Segment segment, String handleKind, String typeName) {
        this.segment = segment;
        this.mem = segment.body();
        this.typeName = typeName;
        this.lock = new ShmLock(segment, ValueDescriptor.LOCK_OFFSET, true);
        this.handleKind = handleKind;
    }

    /**
     * @return {@link #AT}, the offset of the value, once this process still maps the segment
     * @throws IllegalStateException naming the value, if it was closed here
     */
    final long at() {
        checkOpen();
        return AT;
    }

    /**
     * Checks that the mapping is still open (a read of the arena's state), so that a use after
     * close (of the value, of its context, or by this JVM's exit while a thread still reads it)
     * fails with a message naming the value rather than the memory API's bare "Already closed".
     *
     * @throws IllegalStateException naming the value, if it was closed here
     */
    final void checkOpen() {
        if (!mem.scope().isAlive()) {
            throw new IllegalStateException(this + " is closed in this process (by its close(), its context's close() or"
                    + " this JVM's exit), and its memory is no longer mapped here");
        }
    }

    /**
     * Adds to a {@code double} in the body: a volatile read, then a compare-and-set (which compares
     * bit patterns), retried until no other writer came in between.
     *
     * @param at offset of the element in the body
     * @param d  what to add
     * @return the new value
     */
    final double addAndGetDouble(long at, double d) {
        while (true) {
            double old = (double) DOUBLE.getVolatile(mem, at);
            double updated = old + d;
            if (DOUBLE.compareAndSet(mem, at, old, updated)) {
                return updated;
            }
        }
    }

    /** @return the process-shared reentrant lock in the same segment */
    public final IpcLock lock() {
        return lock;
    }

    /** @return the handle written in place of this value (package-private so subclasses inherit it) */
    @Serial
    final Object writeReplace() {
        return Handles.serialized(handleKind, segment, null);
    }

    @Override
    public String toString() {
        return typeName + "[" + segment.name() + "]";
    }
}
