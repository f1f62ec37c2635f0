package dev.multiproc.spi.broker;

import dev.multiproc.ConnectionClosedException;
import dev.multiproc.spi.Cleanup;
import dev.multiproc.spi.frame.FrameDecoder;
import dev.multiproc.spi.frame.FrameWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The client connections of one {@link QueueBroker}: accepting them, reading each one's commands
 * into the ledger ({@link BrokerAdapter}), writing each one's answers ({@link ClientProxy}), and
 * dropping a connection whose client is gone (its items go back to the head of the queue). Not
 * thread-safe: used under the broker's lock, by whichever thread serves the selector.
 */
final class BrokerConnections {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerConnections.class);

    private final QueueDescriptor queue;
    private final Selector selector;
    private final QueueLedger ledger;
    private final BrokerAdapter adapter;
    private final Runnable runDeferred;
    private final List<ClientProxy> connections = new ArrayList<>();

    /**
     * @param queue       the queue served
     * @param selector    the broker's selector
     * @param ledger      the queue's state
     * @param runDeferred runs what ledger calls deferred, after a connection is dropped
     */
    BrokerConnections(QueueDescriptor queue, Selector selector, QueueLedger ledger, Runnable runDeferred) {
        this.queue = queue;
        this.selector = selector;
        this.ledger = ledger;
        this.adapter = new BrokerAdapter(ledger, queue.name());
        this.runDeferred = runDeferred;
    }

    /** Accepts a client, if one is there. */
    void accept(ServerSocketChannel server) throws IOException {
        SocketChannel ch = server.accept();
        if (ch == null) {
            return;
        }
        ch.configureBlocking(false);
        SelectionKey key = ch.register(selector, SelectionKey.OP_READ);
        String who = "queue " + queue.name() + ": connection " + connections.size();
        FrameDecoder decoder = new FrameDecoder(ByteBuffer.allocate(QueueBroker.BUFFER_BYTES),
                queue.maxFrameBytes() + (long) QueueFrames.MAX_ITEM_OVERHEAD, who);
        ClientProxy c = new ClientProxy(ch, key, decoder,
                FrameWriter.nonBlocking(new NioSink(ch, who), QueueBroker.BUFFER_BYTES, who));
        c.peer = ledger.attach(c);
        key.attach(c);
        connections.add(c);
    }

    /** Reads what the client sent until its socket is drained, so one wake-up handles a whole burst. */
    void read(ClientProxy c) {
        try {
            for (int i = 0; i < 16; i++) {
                ByteBuffer room = c.decoder.room();
                int asked = room.remaining();
                int n = c.channel.read(room);
                if (n < 0) {
                    drop(c, null);
                    return;
                }
                c.decoder.filled(n);
                while (c.decoder.nextFrame()) {
                    var frame = c.decoder.frame();
                    try {
                        adapter.apply(c.peer, frame.segment());
                    } finally {
                        frame.release();
                    }
                }
                if (n < asked) {
                    break; // drained: another read would find nothing
                }
            }
        } catch (IOException | RuntimeException e) {
            drop(c, e);
        }
    }

    /** @return whether some connection has answers waiting to be written */
    boolean anyOutput() {
        for (int i = 0; i < connections.size(); i++) {
            if (connections.get(i).hasOutput()) {
                return true;
            }
        }
        return false;
    }

    /** Writes every connection's answers; replies to one are often produced while reading another. */
    void flushAll() {
        boolean again = true;
        while (again) {
            again = false;
            for (int i = 0; i < connections.size(); i++) {
                ClientProxy c = connections.get(i);
                if (c.hasOutput()) {
                    try {
                        boolean drained = c.out.flushNonBlocking();
                        int ops = drained ? SelectionKey.OP_READ : SelectionKey.OP_READ | SelectionKey.OP_WRITE;
                        if (c.key.isValid() && c.key.interestOps() != ops) {
                            c.key.interestOps(ops);
                            selector.wakeup(); // may be called by another thread than the selector's
                        }
                    } catch (RuntimeException e) {
                        drop(c, e);
                        again = true; // detaching may have produced output for the others
                        break;
                    }
                }
            }
        }
    }

    private void drop(ClientProxy c, Exception why) {
        if (why != null && !(why instanceof IOException) && !(why instanceof ConnectionClosedException)) {
            LOG.warn("queue {}: dropping the connection of process {}: {}", queue.name(), c.peer.pid, why.toString());
        }
        if (!connections.remove(c)) {
            return;
        }
        c.key.cancel();
        Cleanup.closeQuietly(c.channel);
        ledger.detach(c.peer);
        runDeferred.run();
    }

    /** Closes every connection (the broker stops). */
    void closeAll() {
        for (ClientProxy c : connections) {
            Cleanup.closeQuietly(c.channel);
        }
        connections.clear();
    }

}
