package dev.multiproc.pipe.queue.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The client's outgoing frames to its broker, coalesced so that many frames go out in one
 * {@code write(2)}. Frames are appended in order by any thread; who writes them depends on how
 * soon they must leave:
 * <ul>
 * <li>{@link Urgency#URGENT} (a request the caller will wait on): the caller writes everything
 *     pending itself, unless another thread is writing, which then writes it too.</li>
 * <li>{@link Urgency#NORMAL} (a put): the caller writes directly unless its previous NORMAL
 *     flush ended less than {@link #LINGER_NANOS} ago; such a put is part of a burst, and it
 *     leaves the frame to the writer thread, which is woken and sends whatever accumulated
 *     meanwhile in one write. A producer in a tight loop thus sends batches; one that puts now
 *     and then, or in a request/response loop (a put, then a wait for the answer), pays no extra
 *     thread hop. (Measured from the end of the previous flush, not from the last direct write:
 *     a ping-pong puts every round trip, which is longer than a tight loop's gap but shorter than
 *     any window long enough to batch, so half its puts would otherwise wake the writer.)</li>
 * <li>{@link Urgency#LAZY} (acknowledgements): they ride along with the next write, or the writer
 *     sends them within {@link #LAZY_NANOS}, or at once after {@link #ACK_BATCH} of them.</li>
 * </ul>
 * Every write writes all that is pending, and the single {@code writing} token keeps frames in
 * append order. Thread-safe. After a write fails, frames are dropped and the failure handler has
 * been told once. A caller's pending interrupt is set aside during its write, since an interrupt
 * closes a JDK socket channel; one that arrives while the write is in the kernel still does, and
 * the client then reports the connection closed.
 */
final class Outbox implements AutoCloseable {
    /** How soon a frame must leave. */
    enum Urgency { URGENT, NORMAL, LAZY }

    /** A NORMAL flush this soon after the end of the previous one is part of a burst. */
    static final long LINGER_NANOS = TimeUnit.MICROSECONDS.toNanos(1);
    static final long LAZY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    static final int ACK_BATCH = QueueClient.PREFETCH_TARGET / 2;
    /** Unsent bytes above which a put waits for the writer. */
    static final long HIGH_WATER_BYTES = 4 << 20;
    private static final int CHUNK_BYTES = 64 << 10;
    /** Items at least this large are written from their own array, not copied. */
    private static final int COPY_LIMIT = 8 << 10;

    /** Waits until a non-blocking channel can take more bytes. */
    interface WaitForRoom {
        void await() throws IOException;
    }

    private final GatheringByteChannel channel;
    private final WaitForRoom awaitWritable;
    private final Consumer<IOException> onFailure;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final Condition drained = lock.newCondition();
    private final Thread writer;
    private final List<ByteBuffer> sealed = new ArrayList<>();
    private final List<ByteBuffer> sealedChunks = new ArrayList<>();
    private final ArrayDeque<ByteBuffer> spareChunks = new ArrayDeque<>();
    private ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES);
    private long pendingBytes;
    private int pendingAcks;
    private boolean writing;
    private boolean wakeNow;
    private boolean lazyArmed;
    /** When the previous NORMAL flush returned (guarded by lock). */
    private long lastNormalFlush = System.nanoTime() - LINGER_NANOS - 1;
    private boolean closed;
    private IOException failure;

    /**
     * @param channel    a connected blocking channel
     * @param threadName name of the writer thread (daemon)
     * @param onFailure  told once when a write fails
     */
    Outbox(GatheringByteChannel channel, String threadName, Consumer<IOException> onFailure) {
        this(channel, () -> { }, threadName, onFailure);
    }

    /**
     * @param channel       a connected channel, blocking or not
     * @param awaitWritable for a non-blocking channel: waits (boundedly) until it can take more bytes
     * @param threadName    name of the writer thread (daemon)
     * @param onFailure     told once when a write fails
     */
    Outbox(GatheringByteChannel channel, WaitForRoom awaitWritable, String threadName, Consumer<IOException> onFailure) {
        this.awaitWritable = awaitWritable;
        this.channel = channel;
        this.onFailure = onFailure;
        this.writer = Thread.ofPlatform().name(threadName).daemon(true).unstarted(this::runWriter);
        writer.start();
    }

    /** Appends a PUT frame. */
    void put(byte mode, long reqId, byte[] item) {
        lock.lock();
        try {
            int body = QueueProtocol.PUT_PREFIX + item.length;
            ByteBuffer b = header(QueueProtocol.PUT, body, item.length >= COPY_LIMIT ? QueueProtocol.PUT_PREFIX : body);
            b.put(mode).putLong(reqId);
            if (item.length >= COPY_LIMIT) {
                seal();
                sealed.add(ByteBuffer.wrap(item));
            } else {
                b.put(item);
            }
            pendingBytes += QueueProtocol.HEADER_BYTES + body;
        } finally {
            lock.unlock();
        }
    }

    /** Appends a frame whose body is one int. */
    void intFrame(byte type, int value) {
        lock.lock();
        try {
            header(type, 4, 4).putInt(value);
            pendingBytes += QueueProtocol.HEADER_BYTES + 4;
        } finally {
            lock.unlock();
        }
    }

    /** Appends a frame whose body is one long. */
    void longFrame(byte type, long value) {
        lock.lock();
        try {
            header(type, 8, 8).putLong(value);
            pendingBytes += QueueProtocol.HEADER_BYTES + 8;
        } finally {
            lock.unlock();
        }
    }

    /** Notes that one more delivered item was taken; sent as an ACK before the next frame. */
    void ack() {
        lock.lock();
        try {
            pendingAcks++;
        } finally {
            lock.unlock();
        }
    }

    /** Waits while more than {@link #HIGH_WATER_BYTES} are unsent, helping to write them if nobody does. */
    void awaitRoom() {
        lock.lock();
        try {
            while (pendingBytes > HIGH_WATER_BYTES && failure == null && !closed) {
                if (!writing) {
                    writing = true;
                    lock.unlock();
                    try {
                        writeAll();
                    } finally {
                        lock.lock();
                    }
                } else {
                    drained.awaitUninterruptibly();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Makes sure what was appended leaves as soon as the urgency asks.
     *
     * @param urgency how soon
     */
    void flush(Urgency urgency) {
        boolean direct = false;
        lock.lock();
        try {
            boolean burst = false;
            if (urgency == Urgency.NORMAL) {
                long now = System.nanoTime();
                burst = now - lastNormalFlush <= LINGER_NANOS;
                lastNormalFlush = now;
            }
            if (writing || failure != null || nothingPending()) {
                return;
            }
            Urgency u = urgency == Urgency.LAZY && pendingAcks >= ACK_BATCH ? Urgency.NORMAL : urgency;
            switch (u) {
                case URGENT -> direct = true;
                case NORMAL -> {
                    if (!burst) {
                        direct = true;
                    } else if (!wakeNow) {
                        wakeNow = true;
                        work.signal();
                    }
                }
                case LAZY -> {
                    if (!lazyArmed) {
                        lazyArmed = true;
                        work.signal();
                    }
                }
            }
            if (direct) {
                writing = true;
            }
        } finally {
            lock.unlock();
        }
        if (direct) {
            writeAll();
            if (urgency == Urgency.NORMAL) {
                lock.lock();
                try {
                    lastNormalFlush = System.nanoTime(); // the gap to the next put starts after this write
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /** Stops the writer thread; what is still unsent is dropped. Idempotent. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            work.signalAll();
            drained.signalAll();
        } finally {
            lock.unlock();
        }
        if (Thread.currentThread() != writer) {
            try {
                writer.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private boolean nothingPending() {
        return pendingAcks == 0 && sealed.isEmpty() && chunk.position() == 0;
    }

    private ByteBuffer header(byte type, int bodyBytes, int bytesHere) {
        emitAcks();
        reserve(QueueProtocol.HEADER_BYTES + bytesHere);
        return chunk.putInt(bodyBytes + 1).put(type);
    }

    private void emitAcks() {
        if (pendingAcks > 0) {
            int n = pendingAcks;
            pendingAcks = 0;
            reserve(QueueProtocol.HEADER_BYTES + 4);
            chunk.putInt(5).put(QueueProtocol.ACK).putInt(n);
            pendingBytes += QueueProtocol.HEADER_BYTES + 4;
        }
    }

    private void reserve(int bytes) {
        if (chunk.remaining() < bytes) {
            seal();
            if (chunk.remaining() < bytes) {
                chunk = ByteBuffer.allocate(bytes);
            }
        }
    }

    /** Moves the current chunk, if it holds anything, behind the sealed buffers. */
    private void seal() {
        if (chunk.position() > 0) {
            ByteBuffer full = chunk.flip();
            sealed.add(full);
            if (full.capacity() == CHUNK_BYTES) {
                sealedChunks.add(full);
            }
            ByteBuffer spare = spareChunks.pollFirst();
            chunk = spare != null ? spare : ByteBuffer.allocate(CHUNK_BYTES);
        }
    }

    /** Writes until nothing is pending; the caller holds the writing token, which this releases. */
    private void writeAll() {
        while (true) {
            ByteBuffer[] batch;
            List<ByteBuffer> recycle;
            lock.lock();
            try {
                emitAcks();
                seal();
                if (sealed.isEmpty() || failure != null) {
                    sealed.clear();
                    pendingBytes = 0;
                    writing = false;
                    drained.signalAll();
                    return;
                }
                batch = sealed.toArray(new ByteBuffer[0]);
                sealed.clear();
                recycle = sealedChunks.isEmpty() ? List.of() : new ArrayList<>(sealedChunks);
                sealedChunks.clear();
                pendingBytes = 0;
                drained.signalAll();
            } finally {
                lock.unlock();
            }
            IOException failed = null;
            // an interrupt pending in a caller's thread would close the channel (InterruptibleChannel):
            // keep it away from the write and give it back afterwards
            boolean interrupted = Thread.interrupted();
            try {
                long left = 0;
                for (ByteBuffer b : batch) {
                    left += b.remaining();
                }
                while (left > 0) {
                    long n = channel.write(batch);
                    left -= n;
                    if (n == 0) {
                        awaitWritable.await();
                    }
                }
            } catch (IOException e) {
                failed = e;
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            lock.lock();
            try {
                if (failed != null && failure == null) {
                    failure = failed;
                } else {
                    failed = null;
                }
                for (ByteBuffer b : recycle) {
                    if (spareChunks.size() < 2) {
                        spareChunks.add(b.clear());
                    }
                }
            } finally {
                lock.unlock();
            }
            if (failed != null) {
                onFailure.accept(failed);
            }
        }
    }

    private void runWriter() {
        lock.lock();
        try {
            while (!closed) {
                if (wakeNow) {
                    wakeNow = false;
                    lazyArmed = false;
                } else if (lazyArmed) {
                    long deadline = System.nanoTime() + LAZY_NANOS;
                    long left = LAZY_NANOS;
                    while (left > 0 && !wakeNow && !closed) {
                        left = work.awaitNanos(left);
                        left = Math.min(left, deadline - System.nanoTime());
                    }
                    boolean ticked = !wakeNow && !closed;
                    wakeNow = false;
                    // acknowledgements that keep coming wait for the next tick, armed here rather
                    // than by a wake-up of this thread: one wake-up per tick while they flow
                    lazyArmed = ticked && pendingAcks > 0;
                } else {
                    work.await();
                    continue;
                }
                if (!writing && !closed && failure == null && !nothingPending()) {
                    writing = true;
                    lock.unlock();
                    try {
                        writeAll();
                    } finally {
                        lock.lock();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }
}
