package dev.multiproc.pipe.internal;

import dev.multiproc.Connection;
import dev.multiproc.ConnectionClosedException;
import dev.multiproc.Serializer;
import dev.multiproc.spi.ContextSettings;
import dev.multiproc.spi.SerializedHandle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * One end of a pipe: a Unix-domain stream socket (one fd of a {@code socketpair(2)}) with
 * length-prefixed frames ({@link FrameReader}, {@link FrameWriter}) and the {@link Serializer}
 * on top.
 *
 * <h2>Ownership</h2>
 * An end is open in exactly one process. Its state moves one way:
 * <pre>
 *   UNUSED --first send/recv/poll--> USED --close--> CLOSED
 *     |  \--close------------------------------------> CLOSED
 *     \--taken by another process ({@link FdSharer})--> MOVED
 * </pre>
 * An end that was never used here may be serialized and taken by another process, which
 * receives the descriptor itself (SCM_RIGHTS); this process then closes its copy, and using
 * the end here throws an error naming the process it moved to. Data sent to the end before it
 * moved simply waits in the kernel's socket buffer.
 *
 * <h2>Threads</h2>
 * Thread-safe. Concurrent sends are serialized by a send lock, concurrent receives (and polls)
 * by a receive lock; a send and a receive proceed in parallel. Serialization happens outside
 * any lock. A receive blocked in {@code read(2)} is not interruptible; {@link #close()} from
 * another thread wakes it ({@code shutdown(2)}) and it throws {@link ConnectionClosedException}.
 */
final class PipeConnection implements Connection, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(PipeConnection.class);

    /** Size of each native buffer (one for reading, one for writing). */
    static final int BUFFER_BYTES = 64 * 1024;
    /** The longest {@link #close()} waits for the peer to take frames still buffered here. */
    static final Duration CLOSE_FLUSH_TIMEOUT = Duration.ofSeconds(5);
    /**
     * How long a closing end waits for a send in progress to let go of the send lock before it
     * shuts the socket down. A send holds the lock for microseconds unless the peer is not
     * reading, and then waiting longer would not help.
     */
    static final Duration CLOSE_LOCK_WAIT = Duration.ofMillis(10);

    static final int UNUSED = 0;
    static final int USED = 1;
    static final int MOVED = 2;
    static final int CLOSED = 3;
    private static final VarHandle STATE;
    private static final VarHandle FLUSH_SCHEDULED;
    private static final VarHandle RECEIVE_COUNT;
    private static final AtomicLong IDS = new AtomicLong();
    private static final AtomicLong PIPES = new AtomicLong();

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(PipeConnection.class, "state", int.class);
            FLUSH_SCHEDULED = MethodHandles.lookup().findVarHandle(PipeConnection.class, "flushScheduled", boolean.class);
            RECEIVE_COUNT = MethodHandles.lookup().findVarHandle(PipeConnection.class, "receiveCount", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final transient long id = IDS.incrementAndGet();
    private final transient int fd;
    private final transient String label;
    private final transient boolean readable;
    private final transient boolean writable;
    private final transient int maxFrameBytes;
    private final transient Serializer serializer;
    private final transient Consumer<PipeConnection> onClose;
    private final transient Arena arena = Arena.ofShared();
    private final transient ReentrantLock sendLock = new ReentrantLock();
    private final transient ReentrantLock recvLock = new ReentrantLock();
    /** Created on first receive, under the receive lock. */
    private transient FrameReader reader;
    /** Created on first send, under the send lock; read by receivers to flush before they block. */
    private transient volatile FrameWriter writer;
    /**
     * Whether the flusher has been asked to flush this end; set by compare-and-set, cleared by the
     * flusher before it tries the send lock. Whoever leaves bytes pending checks it after
     * unlocking, so a flush the flusher could not do (lock busy) is always asked for again.
     */
    private transient volatile boolean flushScheduled;
    /** Consecutive flusher attempts that found the peer's buffer full. Guarded by the send lock. */
    private transient int flushRetries;
    /** A send failure seen by the flusher, reported by the next send. */
    private transient volatile RuntimeException writeFailure;
    /**
     * Frames received so far; a receive ends a burst of sends. Written under the receive lock with
     * release semantics, read by senders with acquire semantics (a hint: no full fence needed).
     */
    private transient int receiveCount;
    /** UNUSED, USED, MOVED or CLOSED; changed by compare-and-set only. */
    private transient volatile int state;
    private transient volatile long movedToPid;

    PipeConnection(int fd, String label, boolean readable, boolean writable, int maxFrameBytes,
                   Serializer serializer, Consumer<PipeConnection> onClose) {
        this.fd = fd;
        this.label = label;
        this.readable = readable;
        this.writable = writable;
        this.maxFrameBytes = maxFrameBytes;
        this.serializer = serializer;
        this.onClose = onClose;
    }

    /**
     * Creates both ends of a new pipe over a {@code socketpair(2)}.
     *
     * @param duplex        false: the left end only receives, the right end only sends
     * @param maxFrameBytes the frame limit of both ends
     * @param serializer    for {@link #send}/{@link #recv}
     * @param onClose       called with each end when it closes or moves away
     * @return {left, right}
     */
    static PipeConnection[] pair(boolean duplex, int maxFrameBytes, Serializer serializer,
                                        Consumer<PipeConnection> onClose) {
        Libc.checkSupported();
        int left;
        int right;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment fds = call.allocate(ValueLayout.JAVA_INT, 2);
            int r = Libc.socketPair(fds, Libc.newCallState(call));
            if (r < 0) {
                throw new IllegalStateException("socketpair(AF_UNIX, SOCK_STREAM) failed: " + Libc.describe(-r));
            }
            left = fds.getAtIndex(ValueLayout.JAVA_INT, 0);
            right = fds.getAtIndex(ValueLayout.JAVA_INT, 1);
        }
        long pipeNumber = PIPES.incrementAndGet();
        String kind = duplex ? "" : " (one-way)";
        return new PipeConnection[]{
                new PipeConnection(left, "left end of pipe " + pipeNumber + kind, true, duplex, maxFrameBytes, serializer, onClose),
                new PipeConnection(right, "right end of pipe " + pipeNumber + kind, duplex, true, maxFrameBytes, serializer, onClose)};
    }

    long id() {
        return id;
    }

    String label() {
        return label;
    }

    int fd() {
        return fd;
    }

    int maxFrameBytes() {
        return maxFrameBytes;
    }

    @Override
    public void send(Object message) {
        claim(true);
        byte[] bytes = serializer.serialize(message);
        sendFrame(bytes, 0, bytes.length);
    }

    @Override
    public void sendBytes(byte[] data) {
        sendBytes(data, 0, data.length);
    }

    @Override
    public void sendBytes(byte[] data, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, data.length);
        claim(true);
        sendFrame(data, offset, length);
    }

    private void sendFrame(byte[] data, int offset, int length) {
        ContextSettings.checkFrameLength(length, maxFrameBytes);
        boolean leftPending;
        sendLock.lock();
        try {
            checkOpenUnderLock();
            RuntimeException failure = writeFailure;
            if (failure != null) {
                throw new ConnectionClosedException(label + " cannot send: an earlier write failed: "
                        + failure.getMessage(), failure);
            }
            leftPending = writer().write(data, offset, length, (int) RECEIVE_COUNT.getAcquire(this));
        } catch (ConnectionClosedException e) {
            if (state == CLOSED) {
                throw new ConnectionClosedException(label + " was closed while a send was waiting on it", e);
            }
            throw e;
        } finally {
            sendLock.unlock();
        }
        if (leftPending) {
            scheduleFlush(Flusher.FLUSH_DELAY_NANOS);
        }
    }

    private void scheduleFlush(long delayNanos) {
        if (FLUSH_SCHEDULED.compareAndSet(this, false, true)) {
            Flusher.instance().schedule(this, delayNanos);
        }
    }

    /**
     * Called by the {@link Flusher}; never blocks. If a sender holds the lock, it will ask again
     * after unlocking; if the peer's buffer is full, the flush is retried with a growing delay.
     */
    void flushFromFlusher() {
        flushScheduled = false; // before tryLock: a holder that unlocks after our failed attempt sees it cleared
        if (!sendLock.tryLock()) {
            return;
        }
        long retryDelay = 0;
        try {
            FrameWriter w = writer;
            if (state != USED || w == null) {
                return;
            }
            if (w.flushWithoutBlocking()) {
                flushRetries = 0;
            } else {
                flushRetries = Math.min(flushRetries + 1, 16);
                retryDelay = Math.min(Flusher.FLUSH_DELAY_NANOS << flushRetries, Flusher.MAX_RETRY_DELAY_NANOS);
            }
        } catch (RuntimeException e) {
            writeFailure = e;
        } finally {
            sendLock.unlock();
        }
        if (retryDelay > 0) {
            scheduleFlush(retryDelay);
        }
    }

    /**
     * Writes frames left pending by a burst before this thread waits for the peer, without ever
     * blocking: a receive must not wait on a send (the peer may be blocked sending to us).
     */
    private void flushPending() {
        FrameWriter w = writer;
        if (w == null || w.pendingBytes() == 0 || !sendLock.tryLock()) {
            return; // nothing pending, or a sender holds the lock and will see to its bytes
        }
        boolean leftPending = false;
        try {
            if (state == USED) {
                leftPending = !w.flushWithoutBlocking();
            }
        } catch (RuntimeException e) {
            writeFailure = e;
        } finally {
            sendLock.unlock();
        }
        if (leftPending) {
            scheduleFlush(Flusher.FLUSH_DELAY_NANOS);
        }
    }

    private FrameWriter writer() {
        FrameWriter w = writer;
        if (w == null) {
            w = new FrameWriter(fd, arena.allocate(BUFFER_BYTES, 64), Libc.newCallState(arena), label);
            writer = w;
        }
        return w;
    }

    private FrameReader reader() {
        FrameReader r = reader;
        if (r == null) {
            r = new FrameReader(fd, arena, BUFFER_BYTES, maxFrameBytes, label);
            reader = r;
        }
        return r;
    }

    @Override
    public <T> T recv() {
        return serializer.deserialize(recvBytes());
    }

    @Override
    public byte[] recvBytes() {
        claim(false);
        flushPending();
        recvLock.lock();
        try {
            checkOpenUnderLock();
            byte[] frame = reader().readFrame();
            RECEIVE_COUNT.setRelease(this, receiveCount + 1);
            return frame;
        } catch (ConnectionClosedException e) {
            throw closedWhileWaiting(e);
        } finally {
            recvLock.unlock();
        }
    }

    @Override
    public int recvBytesInto(byte[] buffer, int offset) {
        Objects.checkIndex(offset, buffer.length + 1);
        claim(false);
        flushPending();
        recvLock.lock();
        try {
            checkOpenUnderLock();
            try {
                return reader().readFrameInto(buffer, offset);
            } finally {
                RECEIVE_COUNT.setRelease(this, receiveCount + 1);
            }
        } catch (ConnectionClosedException e) {
            throw closedWhileWaiting(e);
        } finally {
            recvLock.unlock();
        }
    }

    @Override
    public boolean poll(Duration timeout) {
        claim(false);
        flushPending();
        long deadline = System.nanoTime() + Math.max(0, saturatedNanos(timeout));
        try {
            if (!recvLock.tryLock(Math.max(0, saturatedNanos(timeout)), TimeUnit.NANOSECONDS)) {
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        try {
            checkOpenUnderLock();
            return reader().poll(deadline);
        } finally {
            recvLock.unlock();
        }
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE / 2;
        }
    }

    private RuntimeException closedWhileWaiting(ConnectionClosedException e) {
        if (state == CLOSED) {
            return new ConnectionClosedException(label + " was closed while a receive was waiting on it", e);
        }
        return e;
    }

    @Override
    public boolean isReadable() {
        return readable;
    }

    @Override
    public boolean isWritable() {
        return writable;
    }

    @Override
    public boolean isClosed() {
        int s = state;
        return s == CLOSED || s == MOVED;
    }

    /**
     * Marks this end used by this process, so that it can no longer move to another.
     *
     * @param send whether the caller is about to send
     * @throws IllegalStateException if the direction is wrong, or the end is closed or moved
     */
    private void claim(boolean send) {
        if (send ? !writable : !readable) {
            throw new IllegalStateException(label + " only " + (send ? "receives" : "sends")
                    + ": a one-way pipe (pipe(false)) receives on its left end and sends on its right end; "
                    + (send ? "send" : "receive") + " on the " + (send ? "right" : "left") + " end");
        }
        int s = state;
        if (s == USED || (s == UNUSED && STATE.compareAndSet(this, UNUSED, USED))) {
            return;
        }
        throw unusable(state);
    }

    private void checkOpenUnderLock() {
        int s = state;
        if (s != USED) {
            throw unusable(s);
        }
    }

    private IllegalStateException unusable(int s) {
        if (s == MOVED) {
            return new IllegalStateException(label + " moved to process " + movedToPid
                    + " when that process read it, and is open there only; a Pipe end is open in one process only");
        }
        return new IllegalStateException(label + " is closed");
    }

    /**
     * Hands this end to another process, if it was never used here. On success the caller must
     * send {@link #fd()} and then call {@link #releaseMoved()}; on failure to send it,
     * {@link #undoMove()}.
     *
     * @param pid the process taking it
     * @throws IllegalStateException naming why it cannot move
     */
    void moveTo(long pid) {
        if (STATE.compareAndSet(this, UNUSED, MOVED)) {
            movedToPid = pid;
            return;
        }
        int s = state;
        long self = ProcessHandle.current().pid();
        throw new IllegalStateException(switch (s) {
            case USED -> label + " was already used in process " + self + ", so it cannot move to process " + pid
                    + ": a Pipe end is open in one process only. Pass an end to the process that uses it before "
                    + "using it anywhere";
            case MOVED -> label + " already moved from process " + self + " to process " + movedToPid
                    + ", so it cannot also move to process " + pid;
            default -> label + " was closed in process " + self + " before process " + pid + " could take it";
        });
    }

    /** Reverts {@link #moveTo} when the descriptor could not be sent. */
    void undoMove() {
        STATE.compareAndSet(this, MOVED, UNUSED);
    }

    /** Closes this process's copy after the descriptor went to the new owner (no shutdown: the socket lives on). */
    void releaseMoved() {
        try (Arena call = Arena.ofConfined()) {
            Libc.close(fd, Libc.newCallState(call));
        }
        arena.close();
        onClose.accept(this);
        FdSharer.instance().unexport(this);
    }

    @Override
    public void close() {
        int s;
        do {
            s = state;
            if (s == MOVED || s == CLOSED) {
                return;
            }
        } while (!STATE.compareAndSet(this, s, CLOSED));
        try {
            if (s == USED) {
                flushOnClose();
            }
        } finally {
            MemorySegment callState = Libc.newCallState(arena);
            Libc.shutdown(fd, Libc.SHUT_RDWR, callState); // wakes a send or receive blocked in another thread
            sendLock.lock();
            recvLock.lock();
            try {
                int r = Libc.close(fd, callState);
                if (r < 0) {
                    LOG.warn("{}: close(2) of fd {} failed: {}", label, fd, Libc.describe(-r));
                }
                arena.close();
            } finally {
                recvLock.unlock();
                sendLock.unlock();
            }
            onClose.accept(this);
            FdSharer.instance().unexport(this);
        }
    }

    private void flushOnClose() {
        flushBounded(System.nanoTime() + CLOSE_FLUSH_TIMEOUT.toNanos(), "close");
    }

    /**
     * Writes what a burst left pending, waiting for the peer to make room until a deadline; used
     * by {@link #close()} and, at JVM exit, by the {@link Flusher}'s shutdown hook, so frames
     * whose send returned are not lost when the sender closes or exits right after.
     *
     * @param deadlineNanos when to give up (the rest is dropped, with a warning)
     * @param why           "close" or "exit", for the log
     */
    void flushBounded(long deadlineNanos, String why) {
        FrameWriter w = writer;
        if (w == null) {
            return; // never sent; pending bytes are checked under the lock below, not as a hint
        }
        try {
            long lockWait = Math.min(CLOSE_LOCK_WAIT.toNanos(), Math.max(0, deadlineNanos - System.nanoTime()));
            if (!sendLock.tryLock(lockWait, TimeUnit.NANOSECONDS)) {
                // the blocked send is writing these bytes and will fail with its own exception
                LOG.debug("{}: a send is blocked (the peer is not reading) at {}; {} buffered bytes dropped",
                        label, why, w.pendingBytes());
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("{}: interrupted during {}; {} buffered bytes dropped", label, why, w.pendingBytes());
            return;
        }
        try {
            int s = state;
            if ((s == USED || s == CLOSED) && !w.flushUntil(deadlineNanos, arena)) {
                LOG.warn("{}: the peer took no data until the {} deadline; {} buffered bytes dropped",
                        label, why, w.pendingBytes());
            }
        } catch (RuntimeException e) {
            LOG.debug("{}: buffered frames not delivered at {}: {}", label, why, e.getMessage());
        } finally {
            sendLock.unlock();
        }
    }

    @Override
    public String toString() {
        return "PipeConnection[" + label + ", fd " + fd + ", " + switch (state) {
            case UNUSED -> "unused";
            case USED -> "open";
            case MOVED -> "moved to process " + movedToPid;
            default -> "closed";
        } + "]";
    }

    /** @return the handle written in place of this end when it is serialized */
    @Serial
    private Object writeReplace() {
        int s = state;
        if (s == CLOSED || s == MOVED) {
            throw unusable(s);
        }
        return SerializedHandle.of(FdSharer.instance().export(this));
    }

    @Serial
    private void readObject(ObjectInputStream in) throws InvalidObjectException {
        throw new InvalidObjectException("a pipe end is read back through its SerializedHandle, not directly");
    }
}
