package dev.multiproc.spi.broker;

import java.lang.foreign.MemorySegment;

/**
 * The broker's receiving side of the queue protocol: decodes each command a client sends
 * ({@link QueueFrames}) into a call of the {@link QueueLedger}, for that client's peer. Stateless;
 * called under the broker's lock.
 */
final class BrokerAdapter {
    private final QueueLedger ledger;
    private final String queueName;

    BrokerAdapter(QueueLedger ledger, String queueName) {
        this.ledger = ledger;
        this.queueName = queueName;
    }

    /**
     * @param p       the client's peer in the ledger
     * @param payload one command
     * @throws IllegalArgumentException if it is not a client-to-broker command, or is cut short
     */
    void apply(LedgerPeer p, MemorySegment payload) {
        QueueFrames.expectLength(payload, 1);
        byte type = QueueFrames.type(payload);
        switch (type) {
            case QueueFrames.PUT -> {
                QueueFrames.expectLength(payload, QueueFrames.PUT_ITEM_OFFSET);
                ledger.put(p, QueueFrames.byteAt(payload, QueueFrames.PUT_MODE_OFFSET),
                        QueueFrames.longAt(payload, QueueFrames.PUT_REQUEST_OFFSET),
                        QueueFrames.rest(payload, QueueFrames.PUT_ITEM_OFFSET));
            }
            case QueueFrames.HELLO -> ledger.hello(p, longValue(payload));
            case QueueFrames.DEMAND -> ledger.demand(p, intValue(payload));
            case QueueFrames.POLL -> ledger.poll(p, longValue(payload));
            case QueueFrames.PREFETCH -> ledger.prefetch(p, intValue(payload));
            case QueueFrames.ACK -> ledger.ack(p, intValue(payload));
            case QueueFrames.RETURN -> ledger.returned(p, intValue(payload));
            case QueueFrames.SIZE -> ledger.size(p, longValue(payload));
            case QueueFrames.TASK_DONE -> ledger.taskDone(p, intValue(payload));
            case QueueFrames.DONE_CHECK -> ledger.doneCheck(p, longValue(payload));
            case QueueFrames.JOIN -> ledger.join(p, longValue(payload));
            case QueueFrames.CANCEL -> ledger.cancel(p, longValue(payload));
            case QueueFrames.SYNC -> ledger.sync(p, longValue(payload));
            default -> throw new IllegalArgumentException("unexpected frame " + QueueFrames.name(type)
                    + " from a client of queue " + queueName);
        }
    }

    private static int intValue(MemorySegment payload) {
        QueueFrames.expectLength(payload, QueueFrames.INT_COMMAND_BYTES);
        return QueueFrames.intAt(payload, QueueFrames.VALUE_OFFSET);
    }

    private static long longValue(MemorySegment payload) {
        QueueFrames.expectLength(payload, QueueFrames.LONG_COMMAND_BYTES);
        return QueueFrames.longAt(payload, QueueFrames.VALUE_OFFSET);
    }
}
