package dev.multiproc.shm.internal;

import dev.multiproc.SharedMemory;

import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;

/**
 * A named block of shared memory: the body of a {@link SegmentDescriptor#KIND_MEMORY} segment.
 * The creator owns it ({@link #close()} unlinks the name); a process that attached only unmaps
 * it on close. Any process may {@link #unlink()} it. Thread-safe. Serializable as a handle: the
 * reading process gets its own mapping, which it closes.
 */
public final class ShmMemory implements SharedMemory, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    private final Segment segment;

    /** @param segment a {@link SegmentDescriptor#KIND_MEMORY} segment */
    public ShmMemory(Segment segment) {
        this.segment = segment;
    }

    @Override
    public String name() {
        return segment.name();
    }

    @Override
    public long size() {
        return segment.body().byteSize();
    }

    @Override
    public MemorySegment segment() {
        if (segment.isClosed()) {
            throw new IllegalStateException(this + " is closed");
        }
        return segment.body();
    }

    @Override
    public void close() {
        Segments.close(segment);
    }

    @Override
    public void unlink() {
        segment.unlinkName();
        Segments.forgetOwned(segment);
    }

    /** @return whether this process created the block */
    public boolean isOwner() {
        return segment.isOwner();
    }

    @Serial
    private Object writeReplace() {
        return Handles.serialized(Handles.KIND_MEMORY, segment, null);
    }

    @Override
    public String toString() {
        return "SharedMemory[" + name() + ", " + size() + " bytes" + (segment.isOwner() ? ", owner" : "")
                + (segment.isClosed() ? ", closed]" : "]");
    }
}
