package dev.multiproc.spi.broker;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

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
            case QueueFrames.HELLO -> hello(p, payload);
            case QueueFrames.POLL, QueueFrames.SIZE, QueueFrames.DONE_CHECK, QueueFrames.JOIN,
                 QueueFrames.CANCEL, QueueFrames.SYNC -> applyLong(ledger, p, type, longValue(payload));
            case QueueFrames.DEMAND, QueueFrames.PREFETCH, QueueFrames.ACK, QueueFrames.RETURN,
                 QueueFrames.TASK_DONE -> applyInt(ledger, p, type, intValue(payload));
            default -> throw new IllegalArgumentException("unexpected frame " + QueueFrames.name(type)
                    + " from a client of queue " + queueName);
        }
    }

    /**
     * Applies a command whose one field is a long, for a client's peer; also used in place by the
     * owner's {@link LocalLink}.
     *
     * @throws IllegalArgumentException if the command has no long field
     */
    static void applyLong(QueueLedger ledger, LedgerPeer p, byte command, long value) {
        switch (command) {
            case QueueFrames.HELLO -> ledger.hello(p, value);
            case QueueFrames.POLL -> ledger.poll(p, value);
            case QueueFrames.SIZE -> ledger.size(p, value);
            case QueueFrames.DONE_CHECK -> ledger.doneCheck(p, value);
            case QueueFrames.JOIN -> ledger.join(p, value);
            case QueueFrames.CANCEL -> ledger.cancel(p, value);
            case QueueFrames.SYNC -> ledger.sync(p, value);
            default -> throw new IllegalArgumentException(QueueFrames.name(command) + " is not a command with a long field");
        }
    }

    /**
     * Applies a command whose one field is an int, for a client's peer; also used in place by the
     * owner's {@link LocalLink}.
     *
     * @throws IllegalArgumentException if the command has no int field
     */
    static void applyInt(QueueLedger ledger, LedgerPeer p, byte command, int value) {
        switch (command) {
            case QueueFrames.DEMAND -> ledger.demand(p, value);
            case QueueFrames.PREFETCH -> ledger.prefetch(p, value);
            case QueueFrames.ACK -> ledger.ack(p, value);
            case QueueFrames.RETURN -> ledger.returned(p, value);
            case QueueFrames.TASK_DONE -> ledger.taskDone(p, value);
            default -> throw new IllegalArgumentException(QueueFrames.name(command) + " is not a command with an int field");
        }
    }

    private void hello(LedgerPeer p, MemorySegment payload) {
        long pid = longValue(payload);
        long pathBytes = payload.byteSize() - QueueFrames.HELLO_JOURNAL_OFFSET;
        if (pathBytes > QueueFrames.MAX_JOURNAL_PATH_BYTES) {
            throw new IllegalArgumentException("HELLO of process " + pid + " to queue " + queueName + " names a journal of "
                    + pathBytes + " bytes, over " + QueueFrames.MAX_JOURNAL_PATH_BYTES);
        }
        if (pathBytes > 0) {
            p.journal = new String(QueueFrames.rest(payload, QueueFrames.HELLO_JOURNAL_OFFSET), StandardCharsets.UTF_8);
        }
        ledger.hello(p, pid);
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
