package dev.multiproc.spi.broker;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * The client's receiving side of the queue protocol: decodes each frame the broker sends
 * ({@link QueueFrames}) into a call of the {@link QueueClient}. Stateless; called by whichever
 * thread reads the socket.
 */
final class ClientAdapter {
    private final QueueClient client;

    ClientAdapter(QueueClient client) {
        this.client = client;
    }

    /**
     * @param payload one frame's payload
     * @throws IllegalArgumentException if it is not a broker-to-client command, or is cut short
     */
    void onFrame(MemorySegment payload) {
        QueueFrames.expectLength(payload, 1);
        byte type = QueueFrames.type(payload);
        switch (type) {
            case QueueFrames.ITEM -> {
                QueueFrames.expectLength(payload, QueueFrames.ITEM_ITEM_OFFSET);
                client.onItem(QueueFrames.byteAt(payload, QueueFrames.ITEM_KIND_OFFSET),
                        QueueFrames.rest(payload, QueueFrames.ITEM_ITEM_OFFSET));
            }
            case QueueFrames.REPLY -> {
                QueueFrames.expectLength(payload, QueueFrames.REPLY_BYTES);
                client.onReply(QueueFrames.longAt(payload, QueueFrames.REPLY_REQUEST_OFFSET),
                        QueueFrames.byteAt(payload, QueueFrames.REPLY_STATUS_OFFSET),
                        QueueFrames.longAt(payload, QueueFrames.REPLY_VALUE_OFFSET));
            }
            case QueueFrames.RECALL -> client.onRecall();
            case QueueFrames.REVOKE -> {
                QueueFrames.expectLength(payload, QueueFrames.INT_COMMAND_BYTES);
                client.onRevoke(QueueFrames.intAt(payload, QueueFrames.VALUE_OFFSET));
            }
            case QueueFrames.ERROR -> {
                QueueFrames.expectLength(payload, QueueFrames.ERROR_MESSAGE_OFFSET);
                client.onError(QueueFrames.longAt(payload, QueueFrames.ERROR_REQUEST_OFFSET),
                        new String(QueueFrames.rest(payload, QueueFrames.ERROR_MESSAGE_OFFSET), StandardCharsets.UTF_8));
            }
            default -> throw new IllegalArgumentException("unexpected frame " + QueueFrames.name(type)
                    + " from the broker of queue " + client.queue().name());
        }
    }
}
