package dev.multiproc.pipe.internal;

import dev.multiproc.ConnectionClosedException;
import dev.multiproc.IpcException;
import dev.multiproc.spi.channel.FrameChannel;
import dev.multiproc.spi.frame.ByteSink;
import dev.multiproc.spi.frame.Frame;
import dev.multiproc.spi.frame.FrameDecoder;
import dev.multiproc.spi.frame.FrameWriter;
import dev.multiproc.spi.log.Log;
import dev.multiproc.spi.wait.Deadline;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * One end of a pipe: a Unix-domain stream socket (one fd of a {@code socketpair(2)}), read and
 * written with FFM calls to libc. Frames are cut by a {@link FrameDecoder} from 64 KiB reads (one
 * {@code read(2)} can deliver many small frames) and written by a {@link FrameWriter} with
 * {@code send(2)}, coalescing bursts; both buffers are native, allocated on first use.
 *
 * <p>Thread-safe: receives and polls are serialized by a receive lock, sends by the writer's lock. A
 * receive blocked in {@code read(2)} is not interruptible; {@link #close()} from another thread
 * wakes it ({@code shutdown(2)}) and it throws {@link ConnectionClosedException}.
 */
final class PipeChannel implements FrameChannel, ByteSink {
    private static final Log LOG = Log.of(PipeChannel.class);
    /** Size of each native buffer (one for reading, one for writing). */
    static final int BUFFER_BYTES = 64 * 1024;
    /** Two sends closer than this, with no receive between them, are a burst and coalesce. */
    static final long BURST_WINDOW_NANOS = 20_000;
    /** The longest {@link #close()} waits for the peer to take frames still buffered here. */
    static final Duration CLOSE_FLUSH_TIMEOUT = Duration.ofSeconds(5);
    /**
     * How long a closing end waits for a send in progress to let go of the writer before it shuts
     * the socket down. A send holds it for microseconds unless the peer is not reading, and then
     * waiting longer would not help.
     */
    static final long CLOSE_LOCK_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final int fd;
    private final String label;
    private final int maxFrameBytes;
    private final Arena arena = Arena.ofShared();
    private final ReentrantLock recvLock = new ReentrantLock();
    private final FrameWriter writer;
    /** errno capture for sends; used under the writer's lock only. */
    private final MemorySegment sendState;
    /** Created on first receive, under the receive lock. */
    private FrameDecoder decoder;
    private MemorySegment recvState;
    private MemorySegment pollFd;
    private volatile boolean closed;

    PipeChannel(int fd, String label, int maxFrameBytes) {
        this.fd = fd;
        this.label = label;
        this.maxFrameBytes = maxFrameBytes;
        this.sendState = Libc.newCallState(arena);
        this.writer = new FrameWriter(this, arena, BUFFER_BYTES, BURST_WINDOW_NANOS, label);
    }

    int fd() {
        return fd;
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    @Override
    public void send(byte[] data, int offset, int length) {
        checkOpen();
        writer.send(data, offset, length, FrameWriter.Urgency.BURST);
    }

    @Override
    public <R> R receive(Function<Frame, R> reader) {
        writer.flushBeforeReceive();
        recvLock.lock();
        try {
            checkOpen();
            FrameDecoder d = decoder();
            while (!d.nextFrame()) {
                if (!fill(d)) {
                    throw endOfStream(d);
                }
            }
            writer.endBurst();
            try {
                return reader.apply(d.frame());
            } finally {
                d.releaseUnread();
            }
        } finally {
            recvLock.unlock();
        }
    }

    /**
     * A deadline already passed only looks: it reads what the socket holds into the buffer without
     * waiting (one system call, and the receive that follows usually needs none). A later deadline
     * waits in {@code poll(2)}, which unlike a blocking read is not woken each time the peer takes
     * bytes this end sent.
     */
    @Override
    public boolean poll(Deadline deadline) {
        writer.flushBeforeReceive();
        try {
            if (!recvLock.tryLock(deadline.remainingNanos(), TimeUnit.NANOSECONDS)) {
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        try {
            checkOpen();
            FrameDecoder d = decoder();
            if (d.hasBufferedBytes()) {
                return true;
            }
            if (deadline.isExpired()) {
                return readNow(d);
            }
            while (true) {
                pollFd.set(ValueLayout.JAVA_INT, Libc.POLLFD_FD_OFFSET, fd);
                pollFd.set(ValueLayout.JAVA_SHORT, Libc.POLLFD_EVENTS_OFFSET, Libc.POLLIN);
                pollFd.set(ValueLayout.JAVA_SHORT, Libc.POLLFD_REVENTS_OFFSET, (short) 0);
                int n = Libc.poll(pollFd, 1, deadline.remainingMillisCeil(), recvState);
                if (n > 0) {
                    return true;
                }
                if (n == 0 && deadline.isExpired()) {
                    return false;
                }
                if (n < 0 && n != -Libc.EINTR) {
                    throw new IpcException(label + ": poll(2) on fd " + fd + " failed: " + Libc.describe(-n));
                }
            }
        } finally {
            recvLock.unlock();
        }
    }

    private FrameDecoder decoder() {
        FrameDecoder d = decoder;
        if (d == null) {
            recvState = Libc.newCallState(arena);
            pollFd = arena.allocate(Libc.POLLFD_SIZE, 4);
            d = new FrameDecoder(arena.allocate(BUFFER_BYTES, 64), maxFrameBytes, label);
            decoder = d;
        }
        return d;
    }

    /** @return false at end of stream */
    private boolean fill(FrameDecoder d) {
        long at = d.roomOffset();
        while (true) {
            long n = Libc.read(fd, d.buffer(), at, d.roomBytes(), recvState);
            if (n > 0) {
                d.filled(n);
                return true;
            }
            if (n == 0 || n == -Libc.ECONNRESET) {
                return false;
            }
            if (n != -Libc.EINTR) {
                throw new IpcException(label + ": read(2) on fd " + fd + " failed: " + Libc.describe((int) -n));
            }
        }
    }

    /** @return whether a receive can start without waiting: bytes arrived, or the stream ended or failed */
    private boolean readNow(FrameDecoder d) {
        long at = d.roomOffset();
        while (true) {
            long n = Libc.readNow(fd, d.buffer(), at, d.roomBytes(), recvState);
            if (n > 0) {
                d.filled(n);
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

    private ConnectionClosedException endOfStream(FrameDecoder d) {
        String partial = d.partialFrame();
        if (partial.isEmpty()) {
            return new ConnectionClosedException(label + ": end of stream, the peer end is closed "
                    + "(or its process exited) and every message it sent has been received");
        }
        return new ConnectionClosedException(label + ": frame cut short, the peer closed the connection after "
                + partial + " arrived");
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(label + " is closed");
        }
    }

    // ---- ByteSink: send(2) under the writer's lock

    @Override
    public long write(MemorySegment source, long offset, long length, boolean block) {
        while (true) {
            long n = Libc.send(fd, source, offset, length, block ? 0 : Libc.MSG_DONTWAIT, sendState);
            if (n >= 0) {
                return n;
            }
            if (n == -Libc.EAGAIN && !block) {
                return 0;
            }
            if (n != -Libc.EINTR) {
                throw failure((int) -n, length);
            }
        }
    }

    @Override
    public void awaitWritable(long timeoutNanos) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment p = call.allocate(Libc.POLLFD_SIZE, 4);
            p.set(ValueLayout.JAVA_INT, Libc.POLLFD_FD_OFFSET, fd);
            p.set(ValueLayout.JAVA_SHORT, Libc.POLLFD_EVENTS_OFFSET, Libc.POLLOUT);
            Libc.poll(p, 1, (int) Math.max(1, Math.min(timeoutNanos / 1_000_000, Integer.MAX_VALUE)),
                    Libc.newCallState(call));
        }
    }

    private RuntimeException failure(int errno, long unsent) {
        if (errno == Libc.EPIPE || errno == Libc.ECONNRESET) {
            return new ConnectionClosedException(label + " cannot send: the peer end is closed or its process exited ("
                    + unsent + " bytes not delivered, " + Libc.describe(errno) + ")");
        }
        return new IpcException(label + ": send(2) on fd " + fd + " failed with " + unsent + " bytes unsent: "
                + Libc.describe(errno));
    }

    // ---- lifecycle

    @Override
    public void close() {
        if (!writer.flushUntil(System.nanoTime() + CLOSE_FLUSH_TIMEOUT.toNanos(), CLOSE_LOCK_WAIT_NANOS)) {
            LOG.debug("{}: frames buffered at close were not all taken by the peer; {} bytes dropped", label,
                    writer.pendingBytes());
        }
        closed = true;
        MemorySegment callState = Libc.newCallState(arena);
        Libc.shutdown(fd, Libc.SHUT_RDWR, callState); // wakes a send or receive blocked in another thread
        boolean sendersGone = writer.close(Long.MAX_VALUE / 4);
        recvLock.lock();
        try {
            int r = Libc.close(fd, callState);
            if (r < 0) {
                LOG.warn("{}: close(2) of fd {} failed: {}", label, fd, Libc.describe(-r));
            }
            if (sendersGone) {
                arena.close();
            }
        } finally {
            recvLock.unlock();
        }
    }

    @Override
    public void release() {
        closed = true;
        writer.close(0);
        try (Arena call = Arena.ofConfined()) {
            Libc.close(fd, Libc.newCallState(call));
        }
        arena.close();
    }

    @Override
    public String toString() {
        return "PipeChannel[" + label + ", fd " + fd + (closed ? ", closed]" : "]");
    }
}
