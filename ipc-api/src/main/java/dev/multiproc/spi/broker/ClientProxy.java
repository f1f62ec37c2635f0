package dev.multiproc.spi.broker;

import dev.multiproc.spi.auth.HandshakeSteps;
import dev.multiproc.spi.frame.FrameDecoder;
import dev.multiproc.spi.frame.FrameWriter;

import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * The broker's side of one client connection: the frames it reads (a {@link FrameDecoder}), and
 * the broker's sending side of the queue protocol to that client, a {@link PeerSink} that encodes
 * each answer of the ledger ({@link QueueFrames}) into a non-blocking {@link FrameWriter}, which
 * the broker flushes once per round. Used under the broker's lock; not thread-safe.
 */
final class ClientProxy implements PeerSink {
    private static final byte[] RECALL = QueueFrames.bareCommand(QueueFrames.RECALL);
    /** The head of an ITEM of each kind: the writer copies a head into its buffer, so one per kind serves every item. */
    private static final byte[][] ITEM_HEADS = new byte[256][];

    static {
        for (int kind = 0; kind < ITEM_HEADS.length; kind++) {
            ITEM_HEADS[kind] = QueueFrames.itemHead((byte) kind);
        }
    }

    final SocketChannel channel;
    final SelectionKey key;
    final FrameDecoder decoder;
    final FrameWriter out;
    /** The ledger's view of the client, once it is authenticated (null before). */
    LedgerPeer peer;
    /** The authkey handshake while the connection is pending, then null. */
    HandshakeSteps handshake;
    /** When the handshake is overdue ({@link System#nanoTime()}). */
    long handshakeDeadline;
    /** Bytes read from the socket, in all. */
    long bytesRead;
    /** Of those, the bytes of the handshake's frames: the queue protocol's stream starts after them. */
    long handshakeBytes;

    ClientProxy(SocketChannel channel, SelectionKey key, FrameDecoder decoder, FrameWriter out) {
        this.channel = channel;
        this.key = key;
        this.decoder = decoder;
        this.out = out;
    }

    @Override
    public void item(byte kind, byte[] item) {
        byte[] head = ITEM_HEADS[kind & 0xFF];
        out.append(head, head.length, item, 0, item.length);
    }

    @Override
    public void reply(long reqId, byte status, long value) {
        byte[] b = QueueFrames.reply(reqId, status, value);
        out.append(b, b.length, null, 0, 0);
    }

    @Override
    public void recall() {
        out.append(RECALL, RECALL.length, null, 0, 0);
    }

    @Override
    public void revoke(int count) {
        byte[] b = QueueFrames.intCommand(QueueFrames.REVOKE, count);
        out.append(b, b.length, null, 0, 0);
    }

    @Override
    public void error(long reqId, String message) {
        byte[] head = QueueFrames.errorHead(reqId);
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        out.append(head, head.length, text, 0, text.length);
    }

    /** @return bytes of the queue protocol's stream read so far (the journal's stream offsets) */
    long streamBytesRead() {
        return bytesRead - handshakeBytes;
    }

    /** @return whether frames wait to be written */
    boolean hasOutput() {
        return out.pendingBytes() > 0;
    }
}
