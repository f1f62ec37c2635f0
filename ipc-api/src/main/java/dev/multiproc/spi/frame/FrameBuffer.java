package dev.multiproc.spi.frame;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The bytes of a {@link FrameWriter}: frames framed into a native buffer, allocated on first use
 * (or a {@link WriteJournal}'s, which outlives the process), and written to the {@link ByteSink}.
 * A blocking buffer writes itself out when a frame does not fit and sends a frame larger than
 * itself in pieces; a non-blocking one grows instead (its owner flushes when the socket is
 * writable).
 *
 * <pre>
 *  buffer: [ written ......... | appended, not yet written ....... | free ]
 *          0                 start                                end      capacity
 *  stream offset of position 0: base (everything before base + start was written)
 * </pre>
 *
 * A partial write advances {@code start}; the buffer goes back to position 0 once drained. A
 * journal's buffer is never compacted, so every byte not yet written stays where the journal
 * says it is even if the process dies in the middle of a write; other buffers move their unwritten
 * bytes to the front when a frame does not fit behind them.
 *
 * <p>Not thread-safe: used under the writer's lock, except {@link #pendingBytes()}, which any
 * thread may read as a hint.
 */
final class FrameBuffer {
    private static final VarHandle PENDING;
    /** A non-blocking buffer grown past this many times its initial size is dropped once drained. */
    private static final int SHRINK_ABOVE_FACTOR = 16;

    static {
        try {
            PENDING = MethodHandles.lookup().findVarHandle(FrameBuffer.class, "pending", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ByteSink sink;
    private final Arena arena;
    private final WriteJournal journal;
    private final int initialBytes;
    private final boolean nonBlocking;
    private MemorySegment buffer;
    /** First byte not yet written. */
    private long start;
    /** After the last byte appended. */
    private long end;
    /** Stream offset of buffer position 0. */
    private long base;
    /**
     * {@code end - start}. Written with release semantics ({@link #setPending}; no full fence on
     * the hot path), read with acquire semantics by other threads ({@link #pendingBytes()}), for
     * whom it is a hint.
     */
    private long pending;

    FrameBuffer(ByteSink sink, Arena arena, WriteJournal journal, int initialBytes, boolean nonBlocking) {
        if (journal != null && nonBlocking) {
            throw new IllegalArgumentException("a non-blocking buffer grows, so it cannot live in a journal");
        }
        this.sink = sink;
        this.arena = arena;
        this.journal = journal;
        this.initialBytes = initialBytes;
        this.nonBlocking = nonBlocking;
    }

    /** @return bytes waiting to be written (a racy hint outside the writer's lock) */
    long pendingBytes() {
        return (long) PENDING.getAcquire(this);
    }

    /** @return whether nothing was ever appended (no native memory taken yet) */
    boolean unused() {
        return buffer == null;
    }

    /** Publishes {@code end} (after the bytes before it are in place) and the pending count. */
    private void setEnd(long newEnd) {
        end = newEnd;
        if (journal != null) {
            journal.record(base, base + newEnd);
        }
        PENDING.setRelease(this, newEnd - start);
    }

    /** Everything was written: the buffer starts again at position 0. */
    private void drained() {
        base += end;
        start = 0;
        end = 0;
        if (journal != null) {
            journal.record(base, base);
        }
        PENDING.setRelease(this, 0L);
    }

    /** Frames {@code head[0, headLength)} then {@code body[offset, offset + length)} as one payload. */
    void append(byte[] head, int headLength, byte[] body, int offset, int length) {
        long payload = (long) headLength + length;
        int header = FrameCodec.headerBytes(payload);
        long frame = header + payload;
        MemorySegment b = buffer();
        if (end + frame > b.byteSize()) {
            if (start > 0 && journal == null) {
                compact();
            }
            if (end + frame > b.byteSize()) {
                if (nonBlocking) {
                    b = grow(end - start + frame);
                } else {
                    flushBlocking();
                    if (frame > b.byteSize()) {
                        writeLarge(head, headLength, body, offset, length, header);
                        return;
                    }
                }
            }
        }
        long at = end;
        FrameCodec.writeHeader(b, at, payload);
        at += header;
        if (headLength > 0) {
            MemorySegment.copy(head, 0, b, ValueLayout.JAVA_BYTE, at, headLength);
            at += headLength;
        }
        if (length > 0) {
            MemorySegment.copy(body, offset, b, ValueLayout.JAVA_BYTE, at, length);
        }
        setEnd(end + frame);
    }

    /** Writes a frame larger than the buffer, piece by piece through it (blocking buffers only, drained). */
    private void writeLarge(byte[] head, int headLength, byte[] body, int offset, int length, int header) {
        MemorySegment b = buffer;
        FrameCodec.writeHeader(b, 0, (long) headLength + length);
        long at = header;
        if (headLength > 0) {
            MemorySegment.copy(head, 0, b, ValueLayout.JAVA_BYTE, at, headLength);
            at += headLength;
        }
        int sent = 0;
        while (sent < length) {
            int chunk = (int) Math.min(length - sent, b.byteSize() - at);
            MemorySegment.copy(body, offset + sent, b, ValueLayout.JAVA_BYTE, at, chunk);
            setEnd(at + chunk);
            flushBlocking();
            sent += chunk;
            at = 0;
        }
        if (length == 0) {
            setEnd(at);
            flushBlocking();
        }
    }

    private MemorySegment buffer() {
        MemorySegment b = buffer;
        if (b == null) {
            b = journal != null ? journal.buffer() : (arena != null ? arena : Arena.ofAuto()).allocate(initialBytes, 64);
            buffer = b;
        }
        return b;
    }

    /** Moves the unwritten bytes to the front (never for a journal's buffer). */
    private void compact() {
        MemorySegment.copy(buffer, start, buffer, 0, end - start);
        base += start;
        end -= start;
        start = 0;
    }

    private MemorySegment grow(long needed) {
        long size = buffer.byteSize();
        while (size < needed) {
            size *= 2;
        }
        MemorySegment bigger = Arena.ofAuto().allocate(size, 64);
        MemorySegment.copy(buffer, start, bigger, 0, end - start);
        buffer = bigger;
        base += start;
        end -= start;
        start = 0;
        return bigger;
    }

    /** Writes every pending byte, blocking while the peer's buffer is full; on failure the bytes are dropped. */
    void flushBlocking() {
        try {
            while (start < end) {
                start += sink.write(buffer, start, end - start, true);
            }
        } finally {
            drained(); // on a failure the unsent bytes are lost with the peer, and the failure is thrown
        }
    }

    /**
     * Writes what the socket takes now, never waiting.
     *
     * @return whether nothing is left pending
     */
    boolean flushNow() {
        while (start < end) {
            long n = sink.write(buffer, start, end - start, false);
            if (n == 0) {
                PENDING.setRelease(this, end - start);
                return false;
            }
            start += n;
        }
        if (end > 0) {
            drained();
        }
        if (nonBlocking && buffer != null && buffer.byteSize() > SHRINK_ABOVE_FACTOR * initialBytes) {
            buffer = null; // a burst made it grow: an idle connection goes back to a small buffer
        }
        return true;
    }
}
