package dev.multiproc.pipe.queue.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * The broker's side of one client connection: reads its frames into the ledger, and buffers
 * the frames the ledger sends it until the broker flushes them with one gathering non-blocking
 * write per loop. Used on the broker thread only; not thread-safe.
 */
final class BrokerConnection implements PeerSink {
    private static final int CHUNK_BYTES = 64 << 10;
    private static final int COPY_LIMIT = 8 << 10;

    final SocketChannel channel;
    final SelectionKey key;
    final FrameDecoder decoder;
    QueueLedger.Peer peer;
    private final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
    private ByteBuffer chunk;
    private ByteBuffer spare;
    private boolean dirty;

    BrokerConnection(SocketChannel channel, SelectionKey key, long maxBodyBytes) {
        this.channel = channel;
        this.key = key;
        this.decoder = new FrameDecoder(maxBodyBytes);
    }

    private ByteBuffer room(int bytes) {
        dirty = true;
        if (chunk == null || chunk.remaining() < bytes) {
            seal();
            if (spare != null && bytes <= CHUNK_BYTES) {
                chunk = spare;
                spare = null;
            } else {
                chunk = ByteBuffer.allocate(Math.max(CHUNK_BYTES, bytes));
            }
        }
        return chunk;
    }

    private void seal() {
        if (chunk != null && chunk.position() > 0) {
            out.add(chunk.flip());
            chunk = null;
        }
    }

    @Override
    public void item(byte kind, byte[] item) {
        if (item.length >= COPY_LIMIT) {
            room(QueueProtocol.HEADER_BYTES + 1).putInt(2 + item.length).put(QueueProtocol.ITEM).put(kind);
            seal();
            out.add(ByteBuffer.wrap(item).asReadOnlyBuffer()); // read-only: never recycled as a chunk
        } else {
            room(QueueProtocol.HEADER_BYTES + 1 + item.length)
                    .putInt(2 + item.length).put(QueueProtocol.ITEM).put(kind).put(item);
        }
    }

    @Override
    public void reply(long reqId, byte status, long value) {
        room(QueueProtocol.HEADER_BYTES + 17).putInt(18).put(QueueProtocol.REPLY)
                .putLong(reqId).put(status).putLong(value);
    }

    @Override
    public void pushOff() {
        room(QueueProtocol.HEADER_BYTES).putInt(1).put(QueueProtocol.PUSH_OFF);
    }

    @Override
    public void recall() {
        room(QueueProtocol.HEADER_BYTES).putInt(1).put(QueueProtocol.RECALL);
    }

    @Override
    public void revoke(int count) {
        room(QueueProtocol.HEADER_BYTES + 4).putInt(5).put(QueueProtocol.REVOKE).putInt(count);
    }

    @Override
    public void error(long reqId, String message) {
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        room(QueueProtocol.HEADER_BYTES + 8 + text.length).putInt(9 + text.length).put(QueueProtocol.ERROR)
                .putLong(reqId).put(text);
    }

    /** @return whether frames were added since the last flush, or some are still unsent */
    boolean hasOutput() {
        return dirty || !out.isEmpty();
    }

    /**
     * Writes what the socket takes now; asks for OP_WRITE if something is left.
     *
     * @throws IOException if the peer is gone
     */
    void flush() throws IOException {
        dirty = false;
        seal();
        while (!out.isEmpty()) {
            ByteBuffer[] batch = out.toArray(new ByteBuffer[0]);
            channel.write(batch);
            while (!out.isEmpty() && !out.peekFirst().hasRemaining()) {
                ByteBuffer done = out.pollFirst();
                if (done.capacity() == CHUNK_BYTES && done.hasArray() && spare == null) {
                    spare = done.clear();
                }
            }
            if (!out.isEmpty() && out.peekFirst().hasRemaining()) {
                break;
            }
        }
        int ops = out.isEmpty() ? SelectionKey.OP_READ : SelectionKey.OP_READ | SelectionKey.OP_WRITE;
        if (key.isValid() && key.interestOps() != ops) {
            key.interestOps(ops);
            key.selector().wakeup(); // may be called by another thread than the selector's
        }
    }
}
