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

    void longCommand(byte command, long value) {
        append(QueueFrames.longCommand(command, value));
    }

    void intCommand(byte command, int value) {
        append(QueueFrames.intCommand(command, value));
    }

    void put(byte mode, long reqId, byte[] item) {
        byte[] head = QueueFrames.putHead(mode, reqId);
        out.append(head, head.length, item, 0, item.length);
    }

    void ack() {
        out.append(ACK_ONE, ACK_ONE.length, null, 0, 0);
        synchronized (this) {
            acksSinceFlush++;
        }
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
