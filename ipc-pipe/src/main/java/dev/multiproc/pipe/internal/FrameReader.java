package dev.multiproc.pipe.internal;

import dev.multiproc.BufferTooShortException;
import dev.multiproc.ConnectionClosedException;
import dev.multiproc.FrameTooLargeException;
import dev.multiproc.IpcException;
import dev.multiproc.spi.ContextSettings;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The receiving half of a pipe end: reads the socket in large chunks into a native buffer and
 * cuts frames out of it, so one {@code read(2)} can deliver many small messages.
 *
 * <p>A frame is a 4-byte little-endian length, then that many payload bytes. The length is
 * checked against the frame limit before anything is allocated for it; a length over the limit
 * makes the stream unusable (its remaining bytes cannot be told apart from garbage), so every
 * later read throws the same error.
 *
 * <p>Not thread-safe: the connection calls it under its receive lock.
 */
final class FrameReader {
    static final int HEADER_BYTES = 4;
    private static final ValueLayout.OfInt LENGTH = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int fd;
    private final MemorySegment buffer;
    private final MemorySegment callState;
    private final MemorySegment pollFd;
    private final int maxFrameBytes;
    private final String name;
    /** Next unread byte of {@link #buffer}. */
    private int position;
    /** End of the bytes read into {@link #buffer}. */
    private int limit;
    private RuntimeException broken;

    /**
     * @param fd            the socket
     * @param arena         where the reader's native memory lives (closed by the owner)
     * @param bufferBytes   size of the read buffer; at least 4 bytes
     * @param maxFrameBytes the largest payload accepted
     * @param name          the end's name for error messages
     */
    FrameReader(int fd, Arena arena, int bufferBytes, int maxFrameBytes, String name) {
        this.fd = fd;
        this.buffer = arena.allocate(bufferBytes, 64);
        this.callState = Libc.newCallState(arena);
        this.pollFd = arena.allocate(Libc.POLLFD_SIZE, 4);
        this.maxFrameBytes = maxFrameBytes;
        this.name = name;
    }

    /** @return whether bytes of a frame are already buffered (a receive will not block on the socket first) */
    boolean hasBufferedBytes() {
        return limit > position;
    }

    /**
     * A deadline already passed only looks: it reads what the socket holds into the buffer
     * without waiting (one system call, and the receive that follows usually needs none). A
     * later deadline waits in {@code poll(2)}, which unlike a blocking read is not woken each
     * time the peer takes bytes this end sent.
     *
     * @param deadlineNanos {@link System#nanoTime()} by which to give up
     * @return whether a receive can start without waiting: bytes are buffered, or the socket is
     *         readable (which includes end of stream)
     */
    boolean poll(long deadlineNanos) {
        if (hasBufferedBytes()) {
            return true;
        }
        if (deadlineNanos - System.nanoTime() <= 0) {
            return readNow();
        }
        while (true) {
            long left = deadlineNanos - System.nanoTime();
            int millis = left <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000);
            pollFd.set(ValueLayout.JAVA_INT, Libc.POLLFD_FD_OFFSET, fd);
            pollFd.set(ValueLayout.JAVA_SHORT, Libc.POLLFD_EVENTS_OFFSET, Libc.POLLIN);
            pollFd.set(ValueLayout.JAVA_SHORT, Libc.POLLFD_REVENTS_OFFSET, (short) 0);
            int n = Libc.poll(pollFd, 1, millis, callState);
            if (n > 0) {
                return true;
            }
            if (n == 0 && deadlineNanos - System.nanoTime() <= 0) {
                return false;
            }
            if (n < 0 && n != -Libc.EINTR) {
                throw new IpcException(name + ": poll(2) on fd " + fd + " failed: " + Libc.describe(-n));
            }
        }
    }

    /**
     * @return the next frame's payload
     * @throws ConnectionClosedException at end of stream, saying how much of a cut frame arrived
     * @throws FrameTooLargeException    if the peer announces a frame over the limit
     */
    byte[] readFrame() {
        int length = readLength();
        byte[] payload = new byte[length];
        readPayload(payload, 0, length);
        return payload;
    }

    /**
     * Reads the next frame into {@code destination} at {@code offset}.
     *
     * @return the payload length
     * @throws BufferTooShortException if it does not fit; the frame is consumed and carried by the exception
     */
    int readFrameInto(byte[] destination, int offset) {
        int length = readLength();
        int room = destination.length - offset;
        if (length > room) {
            byte[] whole = new byte[length];
            readPayload(whole, 0, length);
            throw new BufferTooShortException(whole, room);
        }
        readPayload(destination, offset, length);
        return length;
    }

    private int readLength() {
        if (broken != null) {
            throw new IllegalStateException(name + " cannot receive: its stream is unusable after an earlier error: "
                    + broken.getMessage(), broken);
        }
        while (limit - position < HEADER_BYTES) {
            int before = limit - position;
            if (!fill()) {
                if (before == 0) {
                    throw new ConnectionClosedException(name + ": end of stream, the peer end is closed "
                            + "(or its process exited) and every message it sent has been received");
                }
                throw new ConnectionClosedException(name + ": the peer closed the connection after " + before
                        + " of the " + HEADER_BYTES + " header bytes of a frame arrived");
            }
        }
        long length = Integer.toUnsignedLong(buffer.get(LENGTH, position));
        try {
            ContextSettings.checkFrameLength(length, maxFrameBytes);
        } catch (FrameTooLargeException e) {
            broken = e;
            throw e;
        }
        position += HEADER_BYTES;
        return (int) length;
    }

    private void readPayload(byte[] destination, int offset, int length) {
        int copied = Math.min(length, limit - position);
        MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, position, destination, offset, copied);
        position += copied;
        while (copied < length) {
            if (!fill()) {
                throw new ConnectionClosedException(name + ": frame cut short, the peer closed the connection after "
                        + copied + " of " + length + " bytes arrived");
            }
            int n = Math.min(length - copied, limit - position);
            MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, position, destination, offset + copied, n);
            position += n;
            copied += n;
        }
    }

    /**
     * Reads what the socket holds, without waiting.
     *
     * @return whether a receive can start without waiting: bytes arrived, or the stream ended or failed
     */
    private boolean readNow() {
        makeRoom();
        while (true) {
            long n = Libc.readNow(fd, buffer, limit, buffer.byteSize() - limit, callState);
            if (n > 0) {
                limit += (int) n;
                return true;
            }
            if (n == -Libc.EAGAIN) {
                return false;
            }
            if (n != -Libc.EINTR) {
                return true; // end of stream or an error: the receive reads it again and reports it
            }
        }
    }

    /**
     * Reads more bytes after the unread ones, moving those to the front first.
     *
     * @return false at end of stream
     */
    private boolean fill() {
        makeRoom();
        while (true) {
            long n = Libc.read(fd, buffer, limit, buffer.byteSize() - limit, callState);
            if (n > 0) {
                limit += (int) n;
                return true;
            }
            if (n == 0 || n == -Libc.ECONNRESET) {
                return false;
            }
            if (n != -Libc.EINTR) {
                throw new IpcException(name + ": read(2) on fd " + fd + " failed: " + Libc.describe((int) -n));
            }
        }
    }

    /** Starts the buffer over when it is all read, or moves unread bytes to the front when it is full. */
    private void makeRoom() {
        if (position == limit) {
            position = 0;
            limit = 0;
        } else if (position > 0 && limit == buffer.byteSize()) {
            MemorySegment.copy(buffer, position, buffer, 0, limit - position);
            limit -= position;
            position = 0;
        }
    }
}
