package dev.multiproc.spi.broker;

import dev.multiproc.spi.frame.FrameWriter;
import dev.multiproc.spi.frame.FrameWriter.Urgency;

/**
 * The client's sending side of the queue protocol: encodes each command ({@link QueueFrames}) into
 * a {@link FrameWriter} over the socket to the broker, and decides how soon it leaves.
 * Acknowledgements of taken items are sent LATER, so they ride along with the next command or
 * leave within a millisecond; after {@link #ACK_BATCH} of them they are written at once, so that
 * a consumer sent items ahead is sent more before it runs out. Thread-safe (the writer's lock
 * keeps commands in the order they were appended).
 */
final class BrokerProxy {
    /** Items a lone consumer may be sent ahead of its takes. */
    static final int PREFETCH_TARGET = 256;
    /** Acknowledgements after which they are written at once. */
    static final int ACK_BATCH = PREFETCH_TARGET / 2;
    private static final byte[] ACK_ONE = QueueFrames.intCommand(QueueFrames.ACK, 1);

    private final FrameWriter out;
    private int acksSinceFlush;

    /** @param out the writer of the connection to the broker */
    BrokerProxy(FrameWriter out) {
        this.out = out;
    }

    void hello(long pid) {
        append(QueueFrames.longCommand(QueueFrames.HELLO, pid));
    }

    void put(byte mode, long reqId, byte[] item) {
        byte[] head = QueueFrames.putHead(mode, reqId);
        out.append(head, head.length, item, 0, item.length);
    }

    void demand(int delta) {
        append(QueueFrames.intCommand(QueueFrames.DEMAND, delta));
    }

    void poll(long reqId) {
        append(QueueFrames.longCommand(QueueFrames.POLL, reqId));
    }

    void prefetch(int target) {
        append(QueueFrames.intCommand(QueueFrames.PREFETCH, target));
    }

    void ack() {
        out.append(ACK_ONE, ACK_ONE.length, null, 0, 0);
        synchronized (this) {
            acksSinceFlush++;
        }
    }

    void returned(int count) {
        append(QueueFrames.intCommand(QueueFrames.RETURN, count));
    }

    void size(long reqId) {
        append(QueueFrames.longCommand(QueueFrames.SIZE, reqId));
    }

    void taskDone(int count) {
        append(QueueFrames.intCommand(QueueFrames.TASK_DONE, count));
    }

    void doneCheck(long reqId) {
        append(QueueFrames.longCommand(QueueFrames.DONE_CHECK, reqId));
    }

    void join(long reqId) {
        append(QueueFrames.longCommand(QueueFrames.JOIN, reqId));
    }

    void cancel(long reqId) {
        append(QueueFrames.longCommand(QueueFrames.CANCEL, reqId));
    }

    void sync(long reqId) {
        append(QueueFrames.longCommand(QueueFrames.SYNC, reqId));
    }

    private void append(byte[] command) {
        out.append(command, command.length, null, 0, 0);
    }

    /** @param urgency how soon what was appended must reach the broker */
    void flush(Urgency urgency) {
        Urgency u = urgency;
        synchronized (this) {
            if (u == Urgency.LATER && acksSinceFlush >= ACK_BATCH) {
                u = Urgency.BURST;
            }
            if (u != Urgency.LATER) {
                acksSinceFlush = 0;
            }
        }
        out.flush(u);
    }
}
