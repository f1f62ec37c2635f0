package dev.multiproc.spi.broker;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The layout of the brokered queue's commands: each is the payload of one {@link
 * dev.multiproc.spi.frame.FrameCodec} frame, a type byte then fixed fields (big-endian, like the
 * frame header) and, for items, the item's bytes.
 *
 * <pre>
 *  payload: +------+------------------------------------+
 *           | type | fields, by type (offsets below)    |
 *           +------+------------------------------------+
 *            0      1
 *
 *  client to broker (each connection's commands are applied in order, so a reply reflects every
 *  command its client sent before the request):
 *   HELLO      1: pid i64  9: journal UTF-8     who connects (for messages); the path of its
 *                                                {@link QueueJournal}, or nothing
 *   PUT        1: mode u8  2: reqId i64  10: item   mode ASYNC (no reply), NOWAIT (REPLY OK|FULL),
 *                                                WAIT (REPLY OK once enqueued, or CANCELLED)
 *   DEMAND     1: delta i32                     delta threads now wait for an item (negative: gave up)
 *   POLL       1: reqId i64                     an item if one is there (ITEM NOW, then REPLY OK), else REPLY EMPTY
 *   PREFETCH   1: target i32                    up to target items may be sent ahead while this is the only consumer
 *   ACK        1: count i32                     the next count items delivered were handed to the user (taken)
 *   RETURN     1: count i32                     the next count items delivered were not taken: back to the head
 *   SIZE       1: reqId i64                     REPLY OK value = items put and not yet taken
 *   TASK_DONE  1: count i32                     count taskDone() calls backed by items this connection took
 *   DONE_CHECK 1: reqId i64                     one taskDone() with no local backing: REPLY OK or ERROR
 *   JOIN       1: reqId i64                     REPLY OK once every item put has been marked done
 *   CANCEL     1: reqId i64                     give up a WAIT put or a JOIN: REPLY CANCELLED, unless answered
 *   SYNC       1: reqId i64                     REPLY OK (everything sent before has been applied)
 *
 *  broker to client:
 *   ITEM       1: kind u8  2: item              kind DEMANDED, SPECULATIVE (prefetch) or NOW (answer to POLL)
 *   REPLY      1: reqId i64  9: status u8  10: value i64
 *   RECALL     -                                give back the items you hold and have not handed out (RETURN)
 *   REVOKE     1: count i32                     count of your taskDone() backing was used by another process
 *   ERROR      1: reqId i64  9: message UTF-8   the request failed; reqId 0: an earlier TASK_DONE was one too many
 * </pre>
 * A consumer that receives a SPECULATIVE item knows it is being sent items ahead and lets its
 * threads wait a moment without a DEMAND round trip. Stateless.
 */
public final class QueueFrames {
    public static final byte HELLO = 1;
    public static final byte PUT = 2;
    public static final byte DEMAND = 3;
    public static final byte POLL = 4;
    public static final byte PREFETCH = 5;
    public static final byte ACK = 6;
    public static final byte RETURN = 7;
    public static final byte SIZE = 8;
    public static final byte TASK_DONE = 9;
    public static final byte DONE_CHECK = 10;
    public static final byte JOIN = 11;
    public static final byte CANCEL = 12;
    public static final byte SYNC = 13;

    public static final byte ITEM = 32;
    public static final byte REPLY = 33;
    public static final byte RECALL = 34;
    public static final byte REVOKE = 35;
    public static final byte ERROR = 36;

    /** PUT modes. */
    public static final byte PUT_ASYNC = 0;
    public static final byte PUT_NOWAIT = 1;
    public static final byte PUT_WAIT = 2;

    /** ITEM kinds. */
    public static final byte ITEM_DEMANDED = 0;
    public static final byte ITEM_SPECULATIVE = 1;
    public static final byte ITEM_NOW = 2;

    /** REPLY statuses. */
    public static final byte OK = 0;
    public static final byte FULL = 1;
    public static final byte EMPTY = 2;
    public static final byte CANCELLED = 3;

    /** Every command: its type. */
    public static final int TYPE_OFFSET = 0;
    /** A command whose one field is an int or a long (DEMAND, ACK, SIZE, ...): the field. */
    public static final int VALUE_OFFSET = 1;
    public static final int INT_COMMAND_BYTES = 5;
    public static final int LONG_COMMAND_BYTES = 9;
    /** HELLO: the journal's path follows the pid. */
    public static final int HELLO_JOURNAL_OFFSET = LONG_COMMAND_BYTES;
    /** Longest journal path a HELLO may carry. */
    public static final int MAX_JOURNAL_PATH_BYTES = 4096;
    /** PUT. */
    public static final int PUT_MODE_OFFSET = 1;
    public static final int PUT_REQUEST_OFFSET = 2;
    public static final int PUT_ITEM_OFFSET = 10;
    /** ITEM. */
    public static final int ITEM_KIND_OFFSET = 1;
    public static final int ITEM_ITEM_OFFSET = 2;
    /** REPLY. */
    public static final int REPLY_REQUEST_OFFSET = 1;
    public static final int REPLY_STATUS_OFFSET = 9;
    public static final int REPLY_VALUE_OFFSET = 10;
    public static final int REPLY_BYTES = 18;
    /** ERROR. */
    public static final int ERROR_REQUEST_OFFSET = 1;
    public static final int ERROR_MESSAGE_OFFSET = 9;
    /** Bytes a command adds to its item at most (PUT), so a frame limit for items becomes one for commands. */
    public static final int MAX_ITEM_OVERHEAD = PUT_ITEM_OFFSET;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private QueueFrames() {
    }

    // ---- writing (into a command's leading bytes; the item follows them in the frame)

    /** @return a command of one int field */
    static byte[] intCommand(byte type, int value) {
        byte[] b = new byte[INT_COMMAND_BYTES];
        b[TYPE_OFFSET] = type;
        MemorySegment.ofArray(b).set(INT, VALUE_OFFSET, value);
        return b;
    }

    /** @return a command of one long field */
    static byte[] longCommand(byte type, long value) {
        byte[] b = new byte[LONG_COMMAND_BYTES];
        b[TYPE_OFFSET] = type;
        MemorySegment.ofArray(b).set(LONG, VALUE_OFFSET, value);
        return b;
    }

    /** @return a HELLO naming the client's journal file (UTF-8), or none if {@code journal} is empty */
    static byte[] hello(long pid, byte[] journal) {
        byte[] b = new byte[HELLO_JOURNAL_OFFSET + journal.length];
        b[TYPE_OFFSET] = HELLO;
        MemorySegment.ofArray(b).set(LONG, VALUE_OFFSET, pid);
        System.arraycopy(journal, 0, b, HELLO_JOURNAL_OFFSET, journal.length);
        return b;
    }

    /** @return a command of no field */
    static byte[] bareCommand(byte type) {
        return new byte[]{type};
    }

    /**
     * Writes the fields of a PUT, which the item follows.
     *
     * @param into {@link #PUT_ITEM_OFFSET} bytes, reused from put to put by their one writer
     */
    static void putHead(byte[] into, byte mode, long reqId) {
        into[TYPE_OFFSET] = PUT;
        into[PUT_MODE_OFFSET] = mode;
        MemorySegment.ofArray(into).set(LONG, PUT_REQUEST_OFFSET, reqId);
    }

    /** @return the fields of an ITEM, which the item follows */
    static byte[] itemHead(byte kind) {
        return new byte[]{ITEM, kind};
    }

    /** @return a REPLY */
    static byte[] reply(long reqId, byte status, long value) {
        byte[] b = new byte[REPLY_BYTES];
        MemorySegment s = MemorySegment.ofArray(b);
        b[TYPE_OFFSET] = REPLY;
        s.set(LONG, REPLY_REQUEST_OFFSET, reqId);
        b[REPLY_STATUS_OFFSET] = status;
        s.set(LONG, REPLY_VALUE_OFFSET, value);
        return b;
    }

    /** @return the fields of an ERROR, which the message's UTF-8 bytes follow */
    static byte[] errorHead(long reqId) {
        byte[] b = new byte[ERROR_MESSAGE_OFFSET];
        b[TYPE_OFFSET] = ERROR;
        MemorySegment.ofArray(b).set(LONG, ERROR_REQUEST_OFFSET, reqId);
        return b;
    }

    // ---- reading (from a received frame's payload)

    static byte type(MemorySegment payload) {
        return payload.get(ValueLayout.JAVA_BYTE, TYPE_OFFSET);
    }

    static byte byteAt(MemorySegment payload, int offset) {
        return payload.get(ValueLayout.JAVA_BYTE, offset);
    }

    static int intAt(MemorySegment payload, int offset) {
        return payload.get(INT, offset);
    }

    static long longAt(MemorySegment payload, int offset) {
        return payload.get(LONG, offset);
    }

    /** @return the bytes from {@code offset} to the end, in an array of their own */
    static byte[] rest(MemorySegment payload, int offset) {
        return payload.asSlice(offset).toArray(ValueLayout.JAVA_BYTE);
    }

    /**
     * @param payload a received command
     * @param bytes   how long its type says it is (at least)
     * @throws IllegalArgumentException if it is shorter
     */
    static void expectLength(MemorySegment payload, int bytes) {
        if (payload.byteSize() < bytes) {
            throw new IllegalArgumentException("command " + name(type(payload)) + " of " + payload.byteSize()
                    + " bytes is cut short: it has at least " + bytes);
        }
    }

    /** @return the frame type's name, for messages */
    static String name(byte type) {
        return switch (type) {
            case HELLO -> "HELLO";
            case PUT -> "PUT";
            case DEMAND -> "DEMAND";
            case POLL -> "POLL";
            case PREFETCH -> "PREFETCH";
            case ACK -> "ACK";
            case RETURN -> "RETURN";
            case SIZE -> "SIZE";
            case TASK_DONE -> "TASK_DONE";
            case DONE_CHECK -> "DONE_CHECK";
            case JOIN -> "JOIN";
            case CANCEL -> "CANCEL";
            case SYNC -> "SYNC";
            case ITEM -> "ITEM";
            case REPLY -> "REPLY";
            case RECALL -> "RECALL";
            case REVOKE -> "REVOKE";
            case ERROR -> "ERROR";
            default -> "type " + type;
        };
    }
}
