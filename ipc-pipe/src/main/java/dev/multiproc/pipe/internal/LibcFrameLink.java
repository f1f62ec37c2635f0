package dev.multiproc.pipe.internal;

import dev.multiproc.FrameTooLargeException;
import dev.multiproc.spi.auth.FrameLink;
import dev.multiproc.spi.frame.FrameCodec;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A {@link FrameLink} over a socket descriptor, read and written with libc: the fd sharer's and
 * taker's handshake. Reads exactly one frame at a time (header, then payload), so the bytes that
 * follow the handshake stay in the socket; waits with {@code poll(2)}. Not thread-safe.
 */
final class LibcFrameLink implements FrameLink {
    private static final int MAX_PAYLOAD_BYTES = 4096;
    private final int fd;
    private final MemorySegment state;
    private final MemorySegment buffer;
    private final MemorySegment pollFd;
    private final String peer;

    /**
     * @param fd    a connected stream socket
     * @param arena where the buffers live (at least as long as the link is used)
     * @param state the calling thread's errno capture
     * @param peer  who is at the other end, for messages
     */
    LibcFrameLink(int fd, Arena arena, MemorySegment state, String peer) {
        this.fd = fd;
        this.state = state;
        this.buffer = arena.allocate(FrameCodec.SHORT_HEADER_BYTES + MAX_PAYLOAD_BYTES);
        this.pollFd = arena.allocate(Libc.POLLFD_SIZE, 4);
        this.peer = peer;
    }

    @Override
    public void send(byte[] payload) throws IOException {
        if (payload.length > MAX_PAYLOAD_BYTES) {
            throw new FrameTooLargeException(payload.length, MAX_PAYLOAD_BYTES);
        }
        int header = FrameCodec.writeHeader(buffer, 0, payload.length);
        MemorySegment.copy(payload, 0, buffer, ValueLayout.JAVA_BYTE, header, payload.length);
        long total = header + payload.length;
        long done = 0;
        while (done < total) {
            long n = Libc.send(fd, buffer, done, total - done, 0, state);
            if (n == -Libc.EINTR) {
                continue;
            }
            if (n < 0) {
                throw new IOException("sending to " + peer + " failed: " + Libc.describe((int) -n));
            }
            done += n;
        }
    }

    @Override
    public byte[] receive(int maxBytes, long timeoutNanos) throws IOException {
        long deadline = System.nanoTime() + timeoutNanos;
        if (!fill(0, FrameCodec.SHORT_HEADER_BYTES, deadline)) {
            return null;
        }
        int limit = Math.min(maxBytes, MAX_PAYLOAD_BYTES);
        long length = FrameCodec.readHeader(buffer, 0, FrameCodec.SHORT_HEADER_BYTES, limit);
        if (length == FrameCodec.INCOMPLETE) { // a long header: 2 GiB or more
            throw new FrameTooLargeException(FrameCodec.MAX_SHORT_LENGTH + 1L, limit);
        }
        if (!fill(FrameCodec.SHORT_HEADER_BYTES, length, deadline)) {
            return null;
        }
        return buffer.asSlice(FrameCodec.SHORT_HEADER_BYTES, length).toArray(ValueLayout.JAVA_BYTE);
    }

    /** @return whether {@code length} bytes arrived at {@code offset} before the deadline */
    private boolean fill(long offset, long length, long deadline) throws IOException {
        long got = 0;
        while (got < length) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            pollFd.set(ValueLayout.JAVA_INT, Libc.POLLFD_FD_OFFSET, fd);
            pollFd.set(ValueLayout.JAVA_SHORT, Libc.POLLFD_EVENTS_OFFSET, Libc.POLLIN);
            int p = Libc.poll(pollFd, 1, (int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000)), state);
            if (p == -Libc.EINTR || p == 0) {
                continue;
            }
            if (p < 0) {
                throw new IOException("waiting for " + peer + " failed: " + Libc.describe(-p));
            }
            long n = Libc.read(fd, buffer, offset + got, length - got, state);
            if (n == -Libc.EINTR) {
                continue;
            }
            if (n < 0) {
                throw new IOException("reading from " + peer + " failed: " + Libc.describe((int) -n));
            }
            if (n == 0) {
                throw new EOFException(peer + " closed the connection during the authentication handshake");
            }
            got += n;
        }
        return true;
    }
}
