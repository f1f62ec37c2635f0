package dev.multiproc.pipe.internal;

import dev.multiproc.ConnectionClosedException;
import dev.multiproc.IpcException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The sending half of a pipe end: frames payloads into a native buffer and writes them with
 * {@code send(2)}, coalescing rapid sends into one system call.
 *
 * <p>Policy ({@link #write}): a frame sent while the connection is idle is written at once, so a
 * request/response exchange pays no added latency. A frame that follows the previous send
 * within {@link #BURST_WINDOW_NANOS}, with no receive in between, is a burst: it is appended to
 * the buffer and left pending; the buffer is written when it fills, by the next idle send, by
 * the owning connection's next receive, poll or close, or by the {@link Flusher} after a bounded
 * delay. Frames larger than the buffer go out in buffer-sized chunks right away.
 *
 * <p>Not thread-safe: the connection calls it under its send lock, except {@link #pendingBytes()},
 * which any thread may read as a hint.
 */
final class FrameWriter {
    /** Two sends closer than this, with no receive between them, are a burst and coalesce. */
    static final long BURST_WINDOW_NANOS = 20_000;
    private static final ValueLayout.OfInt LENGTH = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int fd;
    private final MemorySegment buffer;
    private final MemorySegment callState;
    private final String name;
    private static final VarHandle PENDING;

    static {
        try {
            PENDING = MethodHandles.lookup().findVarHandle(FrameWriter.class, "pending", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Bytes in the buffer not yet written. Written under the send lock with release semantics
     * ({@link #setPending}; no full fence on the hot path), read plainly under the lock and with
     * acquire semantics by other threads ({@link #pendingBytes()}), for whom it is a hint.
     */
    private int pending;
    private long lastSendNanos = Long.MIN_VALUE / 2;
    private int lastReceiveCount;

    /**
     * @param fd        the socket
     * @param buffer    native buffer for frames; larger than a frame header
     * @param callState errno capture segment used under the send lock only
     * @param name      the end's name for error messages
     */
    FrameWriter(int fd, MemorySegment buffer, MemorySegment callState, String name) {
        this.fd = fd;
        this.buffer = buffer;
        this.callState = callState;
        this.name = name;
    }

    /** @return bytes waiting in the buffer (a racy hint when read outside the send lock) */
    int pendingBytes() {
        return (int) PENDING.getAcquire(this);
    }

    private void setPending(int bytes) {
        PENDING.setRelease(this, bytes);
    }

    /**
     * Frames a payload and writes it now, or leaves it pending if it is part of a burst.
     *
     * @param data         the array
     * @param offset       first payload byte
     * @param length       payload length, already checked against the frame limit
     * @param receiveCount how many frames the connection has received so far (a receive ends a burst)
     * @return whether bytes are left pending, so that the caller must make sure they get flushed
     * @throws ConnectionClosedException if the peer is closed
     */
    boolean write(byte[] data, int offset, int length, int receiveCount) {
        long now = System.nanoTime();
        boolean burst = now - lastSendNanos < BURST_WINDOW_NANOS && receiveCount == lastReceiveCount;
        lastSendNanos = now;
        lastReceiveCount = receiveCount;
        long frame = FrameReader.HEADER_BYTES + (long) length;
        int buffered = pending;
        if (frame > buffer.byteSize()) {
            writeLarge(data, offset, length);
            return false;
        }
        if (buffered + frame > buffer.byteSize()) {
            flush();
            buffered = 0;
        }
        buffer.set(LENGTH, buffered, length);
        MemorySegment.copy(data, offset, buffer, ValueLayout.JAVA_BYTE, buffered + FrameReader.HEADER_BYTES, length);
        setPending(buffered + (int) frame);
        if (!burst) {
            flush();
            return false;
        }
        return true;
    }

    private void writeLarge(byte[] data, int offset, int length) {
        flush();
        buffer.set(LENGTH, 0, length);
        int chunk = (int) Math.min(length, buffer.byteSize() - FrameReader.HEADER_BYTES);
        MemorySegment.copy(data, offset, buffer, ValueLayout.JAVA_BYTE, FrameReader.HEADER_BYTES, chunk);
        setPending(FrameReader.HEADER_BYTES + chunk);
        flush();
        int sent = chunk;
        while (sent < length) {
            chunk = (int) Math.min(length - sent, buffer.byteSize());
            MemorySegment.copy(data, offset + sent, buffer, ValueLayout.JAVA_BYTE, 0, chunk);
            setPending(chunk);
            flush();
            sent += chunk;
        }
    }

    /**
     * Writes every pending byte, blocking while the peer's socket buffer is full.
     *
     * @throws ConnectionClosedException if the peer is closed; the pending bytes are dropped
     */
    void flush() {
        int total = pending;
        int written = 0;
        while (written < total) {
            long n = Libc.send(fd, buffer, written, total - written, 0, callState);
            if (n >= 0) {
                written += (int) n;
            } else if (n != -Libc.EINTR) {
                setPending(0);
                throw failure((int) -n, total - written);
            }
        }
        setPending(0);
    }

    /**
     * Writes what the socket takes without blocking.
     *
     * @return whether nothing is left pending
     * @throws ConnectionClosedException if the peer is closed; the pending bytes are dropped
     */
    boolean flushWithoutBlocking() {
        int total = pending;
        int written = 0;
        while (written < total) {
            long n = Libc.send(fd, buffer, written, total - written, Libc.MSG_DONTWAIT, callState);
            if (n >= 0) {
                written += (int) n;
            } else if (n == -Libc.EAGAIN) {
                break;
            } else if (n != -Libc.EINTR) {
                setPending(0);
                throw failure((int) -n, total - written);
            }
        }
        if (written > 0 && written < total) {
            MemorySegment.copy(buffer, written, buffer, 0, total - written);
        }
        setPending(total - written);
        return total == written;
    }

    /**
     * Flushes, waiting at most until {@code deadlineNanos} for the peer to make room.
     *
     * @param arena scratch memory for {@code poll(2)}
     * @return whether nothing is left pending
     */
    boolean flushUntil(long deadlineNanos, Arena arena) {
        MemorySegment pollFd = arena.allocate(Libc.POLLFD_SIZE, 4);
        while (!flushWithoutBlocking()) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            pollFd.set(ValueLayout.JAVA_INT, Libc.POLLFD_FD_OFFSET, fd);
            pollFd.set(ValueLayout.JAVA_SHORT, Libc.POLLFD_EVENTS_OFFSET, Libc.POLLOUT);
            Libc.poll(pollFd, 1, (int) Math.max(1, Math.min(left / 1_000_000, Integer.MAX_VALUE)), callState);
        }
        return true;
    }

    private RuntimeException failure(int errno, int unsent) {
        if (errno == Libc.EPIPE || errno == Libc.ECONNRESET) {
            return new ConnectionClosedException(name + " cannot send: the peer end is closed or its process exited ("
                    + unsent + " bytes not delivered, " + Libc.describe(errno) + ")");
        }
        return new IpcException(name + ": send(2) on fd " + fd + " failed with " + unsent + " bytes unsent: "
                + Libc.describe(errno));
    }
}
