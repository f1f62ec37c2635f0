package dev.multiproc.pipe.queue.internal;

/**
 * The frames exchanged between a {@link QueueClient} and its {@link QueueBroker} over one
 * Unix-domain stream socket. Every frame is:
 *
 * <pre>
 *  +-----------------+--------+------------------------------+
 *  | length (int32)  | type   | body (length - 1 bytes)      |
 *  +-----------------+--------+------------------------------+
 *   big-endian, counts  one byte  fields below, big-endian
 *   type + body
 * </pre>
 *
 * <p>Client to broker (each connection's frames are applied in order, so a reply to a request
 * reflects every frame the client sent before it):
 * <pre>
 *  HELLO      pid:i64                     who is connecting (for messages)
 *  PUT        mode:u8 reqId:i64 item      mode ASYNC (unbounded queues, no reply), NOWAIT (REPLY OK|FULL),
 *                                         WAIT (REPLY OK once enqueued, or CANCELLED)
 *  DEMAND     delta:i32                   delta threads now wait for an item (negative: they gave up)
 *  POLL       reqId:i64                   an item if one is there now (ITEM NOW then REPLY OK), else REPLY EMPTY
 *  PREFETCH   target:i32                  up to target items may be sent ahead while this is the only consumer
 *  ACK        count:i32                   the next count items delivered were handed to the user (taken)
 *  RETURN     count:i32                   the next count items delivered were not taken: back to the head
 *  SIZE       reqId:i64                   REPLY OK value=items put and not yet taken
 *  TASK_DONE  count:i32                   count taskDone() calls backed by items this connection took
 *  DONE_CHECK reqId:i64                   one taskDone() with no local backing: REPLY OK or ERROR
 *  JOIN       reqId:i64                   REPLY OK once every item put has been marked done
 *  CANCEL     reqId:i64                   give up a WAIT put or a JOIN: REPLY CANCELLED, unless already answered
 *  SYNC       reqId:i64                   REPLY OK (everything sent before has been applied)
 * </pre>
 * Broker to client:
 * <pre>
 *  ITEM       kind:u8 item                kind DEMANDED, SPECULATIVE (prefetch) or NOW (answer to POLL)
 *  REPLY      reqId:i64 status:u8 value:i64
 *  RECALL     -                           give back the items you hold and have not handed out (RETURN)
 *  REVOKE     count:i32                   count of your taskDone() backing was used by another process
 *  ERROR      reqId:i64 message:UTF-8     the request failed; reqId 0: an earlier TASK_DONE was one too many
 *  PUSH_OFF   -                           items are no longer sent ahead (another process consumes too):
 *                                         waiting threads must DEMAND again
 * </pre>
 * A consumer that receives a SPECULATIVE item knows it is being sent items ahead and lets its
 * threads wait without a DEMAND round trip, until PUSH_OFF.
 */
final class QueueProtocol {
    /** Bytes before the body: length and type. */
    static final int HEADER_BYTES = 5;

    static final byte HELLO = 1;
    static final byte PUT = 2;
    static final byte DEMAND = 3;
    static final byte POLL = 4;
    static final byte PREFETCH = 5;
    static final byte ACK = 6;
    static final byte RETURN = 7;
    static final byte SIZE = 8;
    static final byte TASK_DONE = 9;
    static final byte DONE_CHECK = 10;
    static final byte JOIN = 11;
    static final byte CANCEL = 12;
    static final byte SYNC = 13;

    static final byte ITEM = 32;
    static final byte REPLY = 33;
    static final byte RECALL = 34;
    static final byte REVOKE = 35;
    static final byte ERROR = 36;
    static final byte PUSH_OFF = 37;

    /** PUT modes. */
    static final byte PUT_ASYNC = 0;
    static final byte PUT_NOWAIT = 1;
    static final byte PUT_WAIT = 2;

    /** ITEM kinds. */
    static final byte ITEM_DEMANDED = 0;
    static final byte ITEM_SPECULATIVE = 1;
    static final byte ITEM_NOW = 2;

    /** REPLY statuses. */
    static final byte OK = 0;
    static final byte FULL = 1;
    static final byte EMPTY = 2;
    static final byte CANCELLED = 3;

    /** Bytes of a PUT body before the item: mode and request id. */
    static final int PUT_PREFIX = 9;

    private QueueProtocol() {
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
            case PUSH_OFF -> "PUSH_OFF";
            default -> "type " + type;
        };
    }
}
