package dev.multiproc;

import java.lang.foreign.MemorySegment;

/**
 * A named block of shared memory ({@code shared_memory.SharedMemory}). The creator owns it and
 * unlinks it on close; a process that attached only unmaps it.
 */
public interface SharedMemory extends AutoCloseable {
    /** @return the name other processes attach with */
    String name();

    /** @return the usable size in bytes */
    long size();

    /** @return the usable bytes, mapped in this process */
    MemorySegment segment();

    /** Unmaps the block in this process (and unlinks it if this process created it). Idempotent. */
    @Override
    void close();

    /**
     * Removes the name so no other process can attach; mappings already made stay valid (Python's
     * {@code SharedMemory.unlink()}).
     *
     * @throws ResourceNotFoundException if the name is gone already: unlinked before, here or in
     *         another process (Python raises {@code FileNotFoundError})
     */
    void unlink();
}
