package dev.multiproc.spi.frame;

import java.lang.foreign.MemorySegment;

/**
 * Memory that outlives its process, in which a blocking {@link FrameWriter} frames its bytes, so
 * that bytes whose send returned but which were not yet written to the socket are not lost when
 * the process is killed: the peer reads them from there once the connection ends. Positions are
 * <em>stream offsets</em>: byte {@code k} of everything the writer ever framed, counted from 0.
 * Used under the writer's lock.
 */
public interface WriteJournal {
    /** @return the writer's buffer, of a fixed size (at least 64 bytes) */
    MemorySegment buffer();

    /**
     * The buffer now holds the stream's bytes {@code [base, end)} at positions
     * {@code [0, end - base)}; every byte before {@code base} was written to the socket. Called
     * after the bytes are in the buffer, so a reader that sees {@code end} finds them there.
     *
     * @param base stream offset of buffer position 0
     * @param end  stream offset after the last byte framed
     */
    void record(long base, long end);
}
