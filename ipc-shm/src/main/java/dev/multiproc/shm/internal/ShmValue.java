package dev.multiproc.shm.internal;

import dev.multiproc.IpcLock;

import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;

/**
 * What every scalar in shared memory has in common, over a {@link ValueDescriptor} of one element:
 * the segment and its body, the reentrant lock in the same segment, and the handle written in place
 * of the value. The typed subclasses keep only their accesses to the element at {@link #AT}, each
 * with its own {@code VarHandle} and explicit memory ordering. Thread-safe.
 */
abstract class ShmValue implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
    /** Offset of the value in the body. */
    static final long AT = ValueDescriptor.ELEMENTS_OFFSET;

    /** The segment, for the handle and messages. */
    final Segment segment;
    /** Its body. */
    final MemorySegment mem;
    private final ShmLock lock;
    private final String handleKind;
    private final String typeName;

    /**
     * @param segment    a scalar segment of the subclass's kind
     * @param handleKind its {@code Handles.KIND_*}
     * @param typeName   the public interface name, for {@link #toString()}
     */
    ShmValue(Segment segment, String handleKind, String typeName) {
        this.segment = segment;
        this.mem = segment.body();
        this.lock = new ShmLock(segment, ValueDescriptor.LOCK_OFFSET, true);
        this.handleKind = handleKind;
        this.typeName = typeName;
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
    public final String toString() {
        return typeName + "[" + segment.name() + "]";
    }
}
