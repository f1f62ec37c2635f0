package dev.multiproc.shm.internal.ring;

import dev.multiproc.ConnectionClosedException;
import dev.multiproc.FrameTooLargeException;
import dev.multiproc.IpcException;
import dev.multiproc.spi.channel.FrameChannel;
import dev.multiproc.spi.frame.Frame;
import dev.multiproc.spi.wait.Deadline;
import dev.multiproc.spi.wait.WaitStrategy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * One end of a shared-memory pipe ({@link PipeDescriptor}): it reads one ring and writes the
 * other. A message that fits one record is handed to the reader in place in the ring; a longer one
 * is read fragment by fragment ({@link FragmentedFrame}: straight into the caller's buffer for
 * {@code recvBytesInto}), after its announced length was checked against the frame limit. A peer
 * that closes its end, or whose process dies, ends the stream after every record it committed has
 * been read; a waiting side notices a death within one sleep slice (50 ms).
 *
 * <p>Thread-safe: sends are serialized by a send lock ({@link SendGate}), receives and polls by a
 * receive lock.
 * {@link #close()} wakes a send or receive blocked in another thread, which then throws
 * {@link ConnectionClosedException}.
 */
final class ShmPipeChannel implements FrameChannel {
    private final PipeFile file;
    private final EndWord self;
    private final EndWord peer;
    private final EndWord left;
    private final EndWord right;
    private final RingReader reader;
    private final RingWriter writer;
    private final RecordFrame recordFrame;
    private final String label;
    private final String pipeName;
    private final int maxFrameBytes;
    private final boolean leftEnd;
    private final SendGate sendLock = new SendGate();
    private final ReentrantLock recvLock = new ReentrantLock();
    private final Runnable onSendSlice = this::checkWhileSending;
    private final Runnable onReceiveSlice = this::checkWhileReceiving;
    private volatile boolean used;
    private volatile boolean closed;
    /** Why the peer is gone, once a liveness check found it dead (its word may still say it is open). */
    private volatile String peerDeath;
    /** Set by a corrupt record: the stream cannot be read any further. Under the receive lock. */
    private RuntimeException broken;
    /** When a poll that found nothing last checked whether the peer lives. Under the receive lock. */
    private long lastLook = System.nanoTime();

    /**
     * @param file          the pipe's mapping in this process
     * @param leftEnd       whether this is the left end
     * @param reader        the ring this end reads, or null (the right end of a one-way pipe)
     * @param writer        the ring this end writes, or null (the left end of a one-way pipe)
     * @param left          the left end's word
     * @param right         the right end's word
     * @param pipeName      e.g. "shm pipe 3", which travels with an end that moves
     * @param label         e.g. "left end of shm pipe 3"
     * @param maxFrameBytes the frame limit
     */
    ShmPipeChannel(PipeFile file, boolean leftEnd, RingReader reader, RingWriter writer, EndWord left, EndWord right,
                   String pipeName, String label, int maxFrameBytes) {
        this.file = file;
        this.leftEnd = leftEnd;
        this.reader = reader;
        this.writer = writer;
        this.left = left;
        this.right = right;
        this.self = leftEnd ? left : right;
        this.peer = leftEnd ? right : left;
        this.recordFrame = reader == null ? null : new RecordFrame(reader);
        this.label = label;
        this.pipeName = pipeName;
        this.maxFrameBytes = maxFrameBytes;
    }

    /** @return the pipe's name, without the side */
    String pipeName() {
        return pipeName;
    }

    /** @return the pipe's mapping */
    PipeFile file() {
        return file;
    }

    /** @return whether this is the left end */
    boolean isLeftEnd() {
        return leftEnd;
    }

    @Override
    public long movedTo() {
        return closed ? 0 : self.movedTo();
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
        sendLock.enter();
        try {
            checkOpen();
            claim();
            if (peer.isClosed()) {
                throw new ConnectionClosedException(label + " cannot send: the peer end is closed (" + length
                        + " bytes not delivered)");
            }
            if (!writer.mayHaveRoomFor(length)) {
                releaseReadBytes(); // this end may wait for its peer: give back what it read first
            }
            writer.write(data, offset, length, onSendSlice);
        } finally {
            sendLock.leave();
        }
    }

    /**
     * Gives the bytes this end has read back to its peer before it may wait to send, unless a
     * receive is under way here (which gives them back before it waits): a peer blocked sending to
     * this end is then never kept waiting by bytes already read while this end waits on that peer.
     */
    private void releaseReadBytes() {
        if (reader != null && recvLock.tryLock()) {
            try {
                reader.release();
            } finally {
                recvLock.unlock();
            }
        }
    }

    @Override
    public <R> R receive(Function<Frame, R> frameReader) {
        recvLock.lock();
        try {
            checkReadable();
            if (!reader.await(Deadline.never(), onReceiveSlice, this::peerGone)) {
                throw endOfStream(-1, 0);
            }
            next();
            if (!reader.isBegin()) {
                throw broken(new IpcException(label + ": the shared-memory ring is corrupt: a message "
                        + "continues where none began"));
            }
            if (reader.isEnd()) {
                if (reader.length() > maxFrameBytes) {
                    reader.consume();
                    throw new FrameTooLargeException(reader.length(), maxFrameBytes, label + ": the peer sent a "
                            + reader.length() + "-byte message, over the limit of " + maxFrameBytes + " bytes; dropped");
                }
                RecordFrame frame = recordFrame.open();
                try {
                    return frameReader.apply(frame);
                } finally {
                    frame.consumeIfOpen();
                }
            }
            long total = reader.total();
            if (total > maxFrameBytes) {
                new FragmentedFrame(this, reader, total, label).release();
                throw new FrameTooLargeException(total, maxFrameBytes, label + ": the peer sent a " + total
                        + "-byte message, over the limit of " + maxFrameBytes + " bytes; read through and dropped");
            }
            if (total <= reader.length()) {
                throw broken(new IpcException(label + ": the shared-memory ring is corrupt: a message of "
                        + total + " bytes begins with a fragment of " + reader.length()));
            }
            FragmentedFrame frame = new FragmentedFrame(this, reader, total, label);
            try {
                return frameReader.apply(frame);
            } finally {
                frame.release();
            }
        } finally {
            recvLock.unlock();
        }
    }

    /** Waits for the next fragment of a message and makes it current (for {@link FragmentedFrame}). */
    void nextFragment(long done, long total) {
        if (!reader.await(Deadline.never(), onReceiveSlice, this::peerGone)) {
            throw endOfStream(done, total);
        }
        next();
        if (reader.isBegin()) {
            throw broken(new IpcException(label + ": the shared-memory ring is corrupt: a message "
                    + "begins inside another, after " + done + " of its " + total + " bytes"));
        }
    }

    private void next() {
        try {
            reader.next();
        } catch (RuntimeException e) {
            throw broken(e);
        }
    }

    /** Marks the stream broken by {@code e}, which the caller throws. */
    RuntimeException broken(RuntimeException e) {
        broken = e;
        return e;
    }

    /**
     * A passed deadline only looks. A later one waits for a record or for the peer to go.
     */
    @Override
    public boolean poll(Deadline deadline) {
        try {
            if (!recvLock.tryLock(deadline.remainingNanos(), TimeUnit.NANOSECONDS)) {
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        try {
            checkReadable();
            if (reader.await(deadline, onReceiveSlice, this::peerGone) || peerGone()) {
                return true;
            }
            long now = System.nanoTime();
            if (now - lastLook >= WaitStrategy.SLICE_NANOS) { // a loop of quick polls notices a dead peer too
                lastLook = now;
                checkWhileReceiving();
            }
            return peerGone();
        } finally {
            recvLock.unlock();
        }
    }

    private void checkReadable() {
        checkOpen();
        claim();
        if (broken != null) {
            throw new IllegalStateException(label + " cannot receive: its stream is unusable after an earlier error: "
                    + broken.getMessage(), broken);
        }
    }

    /** The first use here settles the end in this process. */
    private void claim() {
        if (!used) {
            self.use();
            used = true;
            file.unlinkIfSettled(left, right);
        }
    }

    /** @return whether the peer is gone (cheap unless a liveness check already found it dead) */
    private boolean peerGone() {
        return closed || peerDeath != null || peer.isClosed();
    }

    private void checkWhileReceiving() {
        if (closed) {
            throw new ConnectionClosedException(label + " was closed while a receive waited on it");
        }
        if (peerDeath == null) {
            peerDeath = peer.goneReason();
        }
    }

    private void checkWhileSending() {
        if (closed) {
            throw new ConnectionClosedException(label + " was closed while a send waited on it");
        }
        String gone = peer.goneReason();
        if (gone != null) {
            throw new ConnectionClosedException(label + " cannot send: the peer end is gone (" + gone
                    + ") and will read no more; " + writer.unconsumedBytes() + " bytes it never read are dropped");
        }
    }

    private ConnectionClosedException endOfStream(long done, long total) {
        if (closed) {
            return new ConnectionClosedException(label + " was closed while a receive waited on it");
        }
        String why = peerDeath != null ? peerDeath : peer.goneReason();
        String how = why == null ? "closed" : why;
        if (done < 0) {
            return new ConnectionClosedException(label + ": end of stream, the peer end is " + how
                    + " and every message it sent has been received");
        }
        return new ConnectionClosedException(label + ": message cut short, the peer end is " + how + " after "
                + done + " of the message's " + total + " bytes arrived");
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(label + " is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        boolean mine = self.closeHere();
        wakeEveryone();
        sendLock.enter(); // a blocked send or receive has woken and let go
        recvLock.lock();
        try {
            if (mine) {
                file.unlinkIfSettled(left, right);
            }
            file.release();
        } finally {
            recvLock.unlock();
            sendLock.leave();
        }
    }

    private void wakeEveryone() {
        if (reader != null) {
            reader.wakeSelf();
            reader.wakeWriter();
        }
        if (writer != null) {
            writer.wakeSelf();
            writer.wakeReader();
        }
    }

    @Override
    public void release() {
        if (closed) {
            return;
        }
        closed = true;
        file.release();
    }

    @Override
    public String toString() {
        return "ShmPipeChannel[" + label + ", " + file.segment().name() + (closed ? ", closed]" : "]");
    }
}
