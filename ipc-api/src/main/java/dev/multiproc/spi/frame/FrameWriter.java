package dev.multiproc.spi.frame;

import dev.multiproc.ConnectionClosedException;

import java.lang.foreign.Arena;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The sending half of every stream channel: frames payloads into a {@link FrameBuffer} and writes
 * them to a {@link ByteSink}, coalescing small frames so that many go out in one system call. The
 * one write-coalescing mechanism of the project: pipe ends, queue clients and queue brokers all
 * write through it.
 *
 * <p>How soon a frame leaves is the caller's {@link Urgency}:
 * <ul>
 * <li>{@link Urgency#NOW}: written before {@code send} returns, with everything pending before it.</li>
 * <li>{@link Urgency#BURST}: written at once if the channel was idle (the previous send ended at
 *     least the burst window ago, or a receive came in between: a request/response exchange pays
 *     no added latency); otherwise it is part of a burst and left pending: it goes with the next
 *     write (the buffer filling, a NOW send, the owner's next receive, poll or close) or, at the
 *     latest, {@link Flusher#FLUSH_DELAY_NANOS} later from the {@link Flusher} thread.</li>
 * <li>{@link Urgency#LATER}: left pending, written with the next write or within
 *     {@link Flusher#LATER_DELAY_NANOS}.</li>
 * </ul>
 * A frame larger than the buffer goes out in buffer-sized pieces at once. A writer made
 * {@linkplain #nonBlocking non-blocking} (a broker's, driven by a selector) never waits for the
 * peer: its buffer grows instead, and the owner flushes it when the socket is writable.
 *
 * <p>Thread-safe: sends are serialized by the writer's lock, held while writing.
 * {@link #pendingBytes()} may be read by any thread, as a hint.
 */
public final class FrameWriter implements Flusher.Task {
    /** How soon a frame must be written. */
    public enum Urgency {
        /** Before the send returns. */
        NOW,
        /** At once unless part of a burst; then within {@link Flusher#FLUSH_DELAY_NANOS}. */
        BURST,
        /** With the next write, or within {@link Flusher#LATER_DELAY_NANOS}. */
        LATER
    }

    /** Default buffer size. */
    public static final int DEFAULT_BUFFER_BYTES = 64 * 1024;
    private static final VarHandle FLUSH_SCHEDULED;
    private static final VarHandle RECEIVED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            FLUSH_SCHEDULED = lookup.findVarHandle(FrameWriter.class, "flushScheduled", boolean.class);
            RECEIVED = lookup.findVarHandle(FrameWriter.class, "receivedSinceSend", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ByteSink sink;
    private final String name;
    private final long burstWindowNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final FrameBuffer frames;
    /** Whether the flusher has been asked to come; cleared by it before it tries the lock. */
    private volatile boolean flushScheduled;
    private int flushRetries;
    private long lastSendEnd = Long.MIN_VALUE / 2;
    /** Set by the receiving thread (release), read and cleared by senders (acquire): a hint, no fence needed. */
    private boolean receivedSinceSend;
    /** A write failure seen by a background flush, reported by the next send. */
    private volatile RuntimeException failure;
    private volatile boolean closed;

    /**
     * @param sink             where frames go
     * @param arena            where the buffer is allocated (its owner closes it after {@link #close}),
     *                         or null for memory freed with the writer
     * @param bufferBytes      size of the coalescing buffer (at least 64 bytes)
     * @param burstWindowNanos two BURST sends closer than this, with no receive between, form a burst
     * @param name             the channel's name, for messages
     */
    public FrameWriter(ByteSink sink, Arena arena, int bufferBytes, long burstWindowNanos, String name) {
        this(sink, arena, null, bufferBytes, burstWindowNanos, name, false);
    }

    /**
     * A writer whose buffer is a journal's: bytes whose send returned survive the process even
     * when they are still pending (see {@link WriteJournal}).
     *
     * @param sink             where frames go
     * @param journal          holds the buffer and learns which stream bytes it holds
     * @param burstWindowNanos two BURST sends closer than this, with no receive between, form a burst
     * @param name             the channel's name, for messages
     */
    public FrameWriter(ByteSink sink, WriteJournal journal, long burstWindowNanos, String name) {
        this(sink, null, journal, Math.toIntExact(journal.buffer().byteSize()), burstWindowNanos, name, false);
    }

    private FrameWriter(ByteSink sink, Arena arena, WriteJournal journal, int bufferBytes, long burstWindowNanos,
                        String name, boolean nonBlocking) {
        if (bufferBytes < 64) {
            throw new IllegalArgumentException("a frame writer needs at least 64 bytes of buffer, was " + bufferBytes);
        }
        this.sink = sink;
        this.frames = new FrameBuffer(sink, arena, journal, bufferBytes, nonBlocking);
        this.burstWindowNanos = burstWindowNanos;
        this.name = name;
    }

    /**
     * @param sink        where frames go; written with {@code block = false} only
     * @param bufferBytes initial size of the buffer, which grows while the peer does not read
     * @param name        the channel's name, for messages
     * @return a writer whose {@link #append} never blocks, flushed by its owner ({@link #flushNonBlocking})
     */
    public static FrameWriter nonBlocking(ByteSink sink, int bufferBytes, String name) {
        return new FrameWriter(sink, null, null, bufferBytes, 0, name, true);
    }

    /** @return bytes waiting to be written (a racy hint outside the lock) */
    public long pendingBytes() {
        return frames.pendingBytes();
    }

    /** A frame was received: the next BURST send starts a new exchange and is written at once. */
    public void endBurst() {
        if (!(boolean) RECEIVED.getAcquire(this)) {
            RECEIVED.setRelease(this, true); // a hint: a stale read only delays one send to its flush
        }
    }

    /**
     * Frames a payload and writes it as the urgency asks.
     *
     * @param data    payload bytes
     * @param offset  first byte
     * @param length  payload length, already checked against the frame limit
     * @param urgency how soon it must be written
     * @throws ConnectionClosedException if the peer is gone, or an earlier background write failed
     */
    public void send(byte[] data, int offset, int length, Urgency urgency) {
        send(null, 0, data, offset, length, urgency);
    }

    /**
     * Frames {@code head[0, headLength)} followed by {@code body[offset, offset + length)} as one
     * payload (a protocol's fields, then an item, without copying them together first).
     *
     * @param head       leading payload bytes, or null
     * @param headLength how many of them
     * @param body       the rest of the payload
     * @param offset     first byte of the rest
     * @param length     how many bytes of the rest
     * @param urgency    how soon it must be written
     */
    public void send(byte[] head, int headLength, byte[] body, int offset, int length, Urgency urgency) {
        long delay;
        lock.lock();
        try {
            checkUsable();
            frames.append(head, headLength, body, offset, length);
            delay = applyLocked(urgency);
        } catch (ConnectionClosedException e) {
            throw closed ? new ConnectionClosedException(name + " was closed while a send was waiting on it", e) : e;
        } finally {
            lock.unlock();
        }
        if (delay > 0) {
            scheduleFlush(delay);
        }
    }

    /**
     * Writes what was appended as the urgency asks (see {@link Urgency}).
     *
     * @param urgency how soon the frames appended so far must be written
     * @throws ConnectionClosedException if the peer is gone, or an earlier background write failed
     */
    public void flush(Urgency urgency) {
        long delay;
        lock.lock();
        try {
            checkUsable();
            delay = applyLocked(urgency);
        } finally {
            lock.unlock();
        }
        if (delay > 0) {
            scheduleFlush(delay);
        }
    }

    /**
     * Applies the urgency to what is pending. One clock read on the path of a burst (none for LATER,
     * which neither measures nor starts a gap); a send that writes reads it again after its write.
     *
     * @return 0 if the urgency was met here, else the delay within which the flusher must write
     */
    private long applyLocked(Urgency urgency) {
        long now = urgency == Urgency.LATER ? 0 : System.nanoTime();
        boolean received = (boolean) RECEIVED.getAcquire(this);
        if (received) {
            RECEIVED.setRelease(this, false);
        }
        long delay = 0;
        boolean wrote = false;
        if (frames.pendingBytes() > 0) {
            boolean burst = urgency == Urgency.BURST && now - lastSendEnd < burstWindowNanos && !received;
            if (urgency == Urgency.NOW || (urgency == Urgency.BURST && !burst)) {
                frames.flushBlocking();
                wrote = true;
            } else {
                delay = urgency == Urgency.LATER ? Flusher.LATER_DELAY_NANOS : Flusher.FLUSH_DELAY_NANOS;
            }
        }
        if (urgency != Urgency.LATER) {
            lastSendEnd = wrote ? System.nanoTime() : now;
        }
        return delay;
    }

    /**
     * Appends a frame, to be written by a later {@link #flush}, send or the owner's
     * {@link #flushNonBlocking()}. A blocking writer whose buffer is full writes it first.
     *
     * @param head       leading payload bytes, or null
     * @param headLength how many of them
     * @param body       the rest of the payload, or null
     * @param offset     first byte of the rest
     * @param length     how many bytes of the rest
     */
    public void append(byte[] head, int headLength, byte[] body, int offset, int length) {
        lock.lock();
        try {
            checkUsable();
            frames.append(head, headLength, body, offset, length);
        } finally {
            lock.unlock();
        }
    }

    private void checkUsable() {
        if (closed) {
            throw new ConnectionClosedException(name + " is closed");
        }
        RuntimeException f = failure;
        if (f != null) {
            throw new ConnectionClosedException(name + " cannot send: an earlier write failed: " + f.getMessage(), f);
        }
    }

    /**
     * Writes what the socket takes now, without waiting for the peer or for another sender.
     *
     * @return whether nothing is left pending; false if the socket is full or another thread sends
     * @throws ConnectionClosedException if the peer is gone
     */
    public boolean flushNonBlocking() {
        if (pendingBytes() == 0 || closed) {
            return true;
        }
        if (!lock.tryLock()) {
            return false;
        }
        try {
            return frames.flushNow();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Before the owner waits to receive: writes what a burst left pending without ever blocking
     * (the peer may itself be blocked sending to us), and leaves the rest to the flusher.
     */
    public void flushBeforeReceive() {
        if (pendingBytes() == 0 || closed || !lock.tryLock()) {
            return; // nothing pending, or a sender holds the lock and will see to its bytes
        }
        boolean left;
        try {
            left = !frames.flushNow();
        } catch (RuntimeException e) {
            failure = e;
            return;
        } finally {
            lock.unlock();
        }
        if (left) {
            scheduleFlush(Flusher.FLUSH_DELAY_NANOS);
        }
    }

    private void scheduleFlush(long delayNanos) {
        if (!flushScheduled && FLUSH_SCHEDULED.compareAndSet(this, false, true)) {
            Flusher.instance().schedule(this, delayNanos);
        }
    }

    /**
     * Called by the {@link Flusher}; never blocks. A sender holding the lock sees to its bytes; a
     * full peer is retried with a growing delay.
     */
    @Override
    public void flushFromFlusher() {
        flushScheduled = false; // before tryLock: a holder that unlocks after our failed attempt sees it cleared
        if (!lock.tryLock()) {
            return; // the holder writes, or leaves its bytes pending and schedules a flush after unlocking
        }
        long retry = 0;
        try {
            if (closed || frames.unused()) {
                return;
            }
            if (frames.flushNow()) {
                flushRetries = 0;
            } else {
                flushRetries = Math.min(flushRetries + 1, 16);
                retry = Math.min(Flusher.FLUSH_DELAY_NANOS << flushRetries, Flusher.MAX_RETRY_DELAY_NANOS);
            }
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            lock.unlock();
        }
        if (retry > 0) {
            scheduleFlush(retry);
        }
    }

    /**
     * Writes what is pending, waiting for the peer to make room until a deadline: at close and at JVM
     * exit, so frames whose send returned are not lost when the sender closes or exits right after.
     *
     * @param deadlineNanos when to give up ({@link System#nanoTime()})
     * @param lockWaitNanos how long to wait for a send in progress to let go of the lock
     * @return whether nothing is left pending (false: the rest is dropped by the caller)
     */
    @Override
    public boolean flushUntil(long deadlineNanos, long lockWaitNanos) {
        if (frames.unused() && pendingBytes() == 0) {
            return true;
        }
        try {
            if (!lock.tryLock(Math.max(0, Math.min(lockWaitNanos, deadlineNanos - System.nanoTime())),
                    TimeUnit.NANOSECONDS)) {
                return false; // a send is blocked on a peer that does not read
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        try {
            while (!frames.flushNow()) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                sink.awaitWritable(left);
            }
            return true;
        } catch (RuntimeException e) {
            return false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops this writer: later sends fail. Waits for a send in progress up to {@code lockWaitNanos}
     * (one blocked on a full peer is left to fail when the owner shuts the socket down).
     *
     * @param lockWaitNanos how long to wait for the lock
     * @return whether the lock was had (no send runs any more)
     */
    public boolean close(long lockWaitNanos) {
        closed = true;
        try {
            if (lock.tryLock(lockWaitNanos, TimeUnit.NANOSECONDS)) {
                lock.unlock();
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    /** @return whether {@link #close} was called */
    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "FrameWriter[" + name + ", " + pendingBytes() + " bytes pending]";
    }
}
