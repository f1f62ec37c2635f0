package dev.multiproc.spi.frame;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The bytes of a {@link FrameWriter}: frames framed into a native buffer, allocated on first use,
 * and written to the {@link ByteSink}. A blocking buffer writes itself out when a frame does not
 * fit and sends a frame larger than itself in pieces; a non-blocking one grows instead (its owner
 * flushes when the socket is writable).
 *
 * <pre>
 *  buffer: [ frames appended, not yet written ............ | free ]
 *          0                                             pending  capacity
 * </pre>
 *
 * <p>Not thread-safe: used under the writer's lock, except {@link #pendingBytes()}, which any
 * thread may read as a hint.
 */
final class FrameBuffer {
    private static final VarHandle PENDING;

    static {
        try {
            PENDING = MethodHandles.lookup().findVarHandle(FrameBuffer.class, "pending", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ByteSink sink;
    private final Arena arena;
    private final int initialBytes;
    private final boolean nonBlocking;
    private MemorySegment buffer;
    /**
     * Bytes appended and not yet written. Written with release semantics ({@link #setPending}; no
     * full fence on the hot path), read plainly by the lock holder and with acquire semantics by
     * other threads ({@link #pendingBytes()}), for whom it is a hint.
     */
    private long pending;
    /** A non-blocking buffer grown past this many times its initial size is dropped once drained. */
    private static final int SHRINK_ABOVE_FACTOR = 16;

    FrameBuffer(ByteSink sink, Arena arena, int initialBytes, boolean nonBlocking) {
        this.sink = sink;
        this.arena = arena;
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

    private void setPending(long bytes) {
        PENDING.setRelease(this, bytes);
    }

    /** Frames {@code head[0, headLength)} then {@code body[offset, offset + length)} as one payload. */
    void append(byte[] head, int headLength, byte[] body, int offset, int length) {
        long payload = (long) headLength + length;
        int header = FrameCodec.headerBytes(payload);
        long frame = header + payload;
        MemorySegment b = buffer();
        if (pending + frame > b.byteSize()) {
            if (nonBlocking) {
                b = grow(pending + frame);
            } else {
                flushBlocking();
                if (frame > b.byteSize()) {
                    writeLarge(head, headLength, body, offset, length, header);
                    return;
                }
            }
        }
        long at = pending;
        FrameCodec.writeHeader(b, at, payload);
        at += header;
        if (headLength > 0) {
            MemorySegment.copy(head, 0, b, ValueLayout.JAVA_BYTE, at, headLength);
            at += headLength;
        }
        if (length > 0) {
            MemorySegment.copy(body, offset, b, ValueLayout.JAVA_BYTE, at, length);
        }
        setPending(pending + frame);
    }

    /** Writes a frame larger than the buffer, piece by piece through it (blocking buffers only). */
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
            setPending(at + chunk);
            flushBlocking();
            sent += chunk;
            at = 0;
        }
        if (length == 0) {
            setPending(at);
            flushBlocking();
        }
    }

    private MemorySegment buffer() {
        MemorySegment b = buffer;
        if (b == null) {
            b = (arena != null ? arena : Arena.ofAuto()).allocate(initialBytes, 64);
            buffer = b;
        }
        return b;
    }

    private MemorySegment grow(long needed) {
        long size = buffer.byteSize();
        while (size < needed) {
            size *= 2;
        }
        MemorySegment bigger = Arena.ofAuto().allocate(size, 64);
        MemorySegment.copy(buffer, 0, bigger, 0, pending);
        buffer = bigger;
        return bigger;
    }

    /** Writes every pending byte, blocking while the peer's buffer is full; on failure the bytes are dropped. */
    void flushBlocking() {
        long total = pending;
        long written = 0;
        try {
            while (written < total) {
                written += sink.write(buffer, written, total - written, true);
            }
        } finally {
            setPending(0); // on a failure the unsent bytes are lost with the peer, and the failure is thrown
        }
    }

    /**
     * Writes what the socket takes now, never waiting.
     *
     * @return whether nothing is left pending
     */
    boolean flushNow() {
        long total = pending;
        long written = 0;
        while (written < total) {
            long n = sink.write(buffer, written, total - written, false);
            if (n == 0) {
                break;
            }
            written += n;
        }
        if (written > 0 && written < total) {
            MemorySegment.copy(buffer, written, buffer, 0, total - written);
        }
        setPending(total - written);
        if (written == total && nonBlocking && buffer != null && buffer.byteSize() > SHRINK_ABOVE_FACTOR * initialBytes) {
            buffer = null; // a burst made it grow: an idle connection goes back to a small buffer
        }
        return written == total;
    }
}
