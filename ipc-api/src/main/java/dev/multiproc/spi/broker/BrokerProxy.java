package dev.multiproc.spi.broker;

import dev.multiproc.ConnectionClosedException;
import dev.multiproc.spi.frame.Flusher;
import dev.multiproc.spi.frame.FrameWriter.Urgency;
import dev.multiproc.spi.frame.FrameWriter;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The client's sending side of the queue protocol: encodes each command ({@link QueueFrames}) into
 * a {@link FrameWriter} over the socket to the broker, and decides how soon it leaves.
 *
 * <p>Acknowledgements of taken items are counted, not framed one by one: the count leaves as one
 * ACK in front of the next command (the broker reads every command in the light of the items
 * acknowledged before it), or from the {@link Flusher} within {@link Flusher#LATER_DELAY_NANOS}
 * of the first one counted, or at once after {@link #ACK_BATCH} of them, so that a consumer sent
 * items ahead is sent more before it runs out. A take thus costs a counter increment here.
 *
 * <p>With a {@link QueueJournal}, each take also records the count of items taken there before
 * it returns, so a take whose ACK was still counted here when the process was killed is known to
 * the broker all the same.
 *
 * <p>Thread-safe: the proxy's lock keeps the pending ACK in front of the command that follows it;
 * it is taken before the writer's lock, never inside it.
 */
final class BrokerProxy implements Flusher.Task {
    /** Items a lone consumer may be sent ahead of its takes. */
    static final int PREFETCH_TARGET = 256;
    /** Acknowledgements after which they are written at once. */
    static final int ACK_BATCH = PREFETCH_TARGET / 2;

    private final FrameWriter out;
    private final QueueJournal journal;
    private final ReentrantLock lock = new ReentrantLock();
    /** Items taken and not yet acknowledged (guarded by lock). */
    private int acks;
    /** Items taken, in all (guarded by lock). */
    private long taken;
    /** The head of each PUT (guarded by lock): the writer copies it into its buffer, so one serves every put. */
    private final byte[] putHead = new byte[QueueFrames.PUT_ITEM_OFFSET];
    /** Whether the flusher is due to send the counted acknowledgements. */
    private volatile boolean ackFlushScheduled;

    /**
     * @param out     the writer of the connection to the broker
     * @param journal where the writer's buffer and the count of items taken outlive the process, or null
     */
    BrokerProxy(FrameWriter out, QueueJournal journal) {
        this.out = out;
        this.journal = journal;
    }

    /** Says who connects, and where its journal is, as the first command. */
    void hello() {
        byte[] path = journal == null ? new byte[0] : journal.file().toString().getBytes(StandardCharsets.UTF_8);
        append(QueueFrames.hello(ProcessHandle.current().pid(), path), null);
    }

    void longCommand(byte command, long value) {
        append(QueueFrames.longCommand(command, value), null);
    }

    void intCommand(byte command, int value) {
        append(QueueFrames.intCommand(command, value), null);
    }

    void put(byte mode, long reqId, byte[] item) {
        lock.lock();
        try {
            QueueFrames.putHead(putHead, mode, reqId);
            appendLocked(putHead, item);
        } finally {
            lock.unlock();
        }
    }

    /** One more delivered item was taken. */
    void ack() {
        boolean schedule;
        lock.lock();
        try {
            acks++;
            taken++;
            if (journal != null) {
                journal.taken(taken);
            }
            schedule = !ackFlushScheduled;
            if (schedule) {
                ackFlushScheduled = true;
            }
        } finally {
            lock.unlock();
        }
        if (schedule) {
            Flusher.later(this, Flusher.LATER_DELAY_NANOS);
        }
    }

    private void append(byte[] command, byte[] item) {
        lock.lock();
        try {
            appendLocked(command, item);
        } finally {
            lock.unlock();
        }
    }

    /** Appends a command behind the acknowledgements counted before it. */
    private void appendLocked(byte[] command, byte[] item) {
        appendAcksLocked();
        out.append(command, command.length, item, 0, item == null ? 0 : item.length);
    }

    private void appendAcksLocked() {
        if (acks > 0) {
            byte[] ack = QueueFrames.intCommand(QueueFrames.ACK, acks);
            acks = 0;
            out.append(ack, ack.length, null, 0, 0);
        }
    }

    /** @param urgency how soon what was appended (and counted) must reach the broker */
    void flush(Urgency urgency) {
        Urgency u = urgency;
        lock.lock();
        try {
            if (u != Urgency.LATER || acks >= ACK_BATCH) {
                appendAcksLocked();
                u = u == Urgency.LATER ? Urgency.BURST : u;
            }
        } finally {
            lock.unlock();
        }
        if (u != Urgency.LATER || out.pendingBytes() > 0) {
            out.flush(u);
        }
    }

    /** Sends the counted acknowledgements, without blocking. */
    @Override
    public void flushFromFlusher() {
        ackFlushScheduled = false; // before tryLock: an ack() that holds the lock now schedules again
        if (out.isClosed() || !lock.tryLock()) {
            return; // closed; or a command in progress sends them in front of itself, or an ack() reschedules
        }
        try {
            appendAcksLocked();
        } catch (ConnectionClosedException e) {
            return; // the broker is gone: the link's reader reports it
        } finally {
            lock.unlock();
        }
        out.flushBeforeReceive();
    }

    @Override
    public boolean flushUntil(long deadlineNanos, long lockWaitNanos) {
        try {
            if (!lock.tryLock(lockWaitNanos, TimeUnit.NANOSECONDS)) {
                return false; // a command is blocked on a broker that does not read
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        try {
            appendAcksLocked();
        } catch (ConnectionClosedException e) {
            return false;
        } finally {
            lock.unlock();
        }
        return out.flushUntil(deadlineNanos, lockWaitNanos);
    }

    @Override
    public String toString() {
        return "BrokerProxy[" + out + "]";
    }
}
