package dev.multiproc.spi.broker;

import dev.multiproc.ConnectionClosedException;
import dev.multiproc.spi.Cleanup;
import dev.multiproc.spi.ProcessIdentity;
import dev.multiproc.spi.auth.Handshake;
import dev.multiproc.spi.auth.HandshakeSteps;
import dev.multiproc.spi.frame.FrameCodec;
import dev.multiproc.spi.frame.FrameDecoder;
import dev.multiproc.spi.frame.FrameWriter;
import dev.multiproc.spi.log.Log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The client connections of one {@link QueueBroker}: accepting them, authenticating them,
 * reading each one's commands into the ledger ({@link BrokerAdapter}), writing each one's answers
 * ({@link ClientProxy}), and dropping a connection whose client is gone (its items go back to the
 * head of the queue).
 *
 * <p>A connection starts <em>pending</em>: it must complete the {@link HandshakeSteps authkey
 * handshake} within {@link #HANDSHAKE_TIMEOUT_NANOS}, with frames of at most
 * {@link Handshake#MAX_MESSAGE_BYTES}, before it is a peer of the ledger; until then it sees no
 * item and holds only its small buffers ({@link #READ_BUFFER_BYTES}; the writer's is allocated
 * when first written). At most {@link #MAX_PENDING} connections are pending at once. Not
 * thread-safe: used under the broker's lock, by whichever thread serves the selector.
 */
final class BrokerConnections {
    /** How long a new connection may take to authenticate. */
    static final long HANDSHAKE_TIMEOUT_NANOS = HandshakeSteps.DEFAULT_TIMEOUT_NANOS;
    /** Connections allowed to be authenticating at once; more are closed when accepted. */
    static final int MAX_PENDING = 128;
    /** Read buffer of a connection; larger frames are assembled as they arrive. */
    static final int READ_BUFFER_BYTES = 4 << 10;
    /** Initial write buffer of a connection; it grows while the client does not read. */
    static final int WRITE_BUFFER_BYTES = 4 << 10;
    private static final Log LOG = Log.of(BrokerConnections.class);

    private final QueueDescriptor queue;
    private final Selector selector;
    private final QueueLedger ledger;
    private final BrokerAdapter adapter;
    private final Runnable runDeferred;
    private final List<ClientProxy> connections = new ArrayList<>();
    private final List<ClientProxy> pending = new ArrayList<>();
    private final byte[] authkey = ProcessIdentity.authkey();
    private long accepted;
    private boolean refusalLogged;

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

    /**
     * Accepts a client, if one is there, and challenges it. Nothing a connecting peer does (or
     * the system refusing a descriptor) stops the broker: the connection is refused instead.
     */
    void accept(ServerSocketChannel server) {
        SocketChannel ch;
        try {
            ch = server.accept();
        } catch (IOException e) {
            refused("accepting it failed: " + e);
            return;
        }
        if (ch == null) {
            return;
        }
        if (pending.size() >= MAX_PENDING) {
            refused("too many connections (" + MAX_PENDING + ") are authenticating at once");
            Cleanup.closeQuietly(ch);
            return;
        }
        try {
            challenge(ch);
        } catch (IOException | RuntimeException e) {
            refused("setting it up failed: " + e);
            Cleanup.closeQuietly(ch);
        }
    }

    private void challenge(SocketChannel ch) throws IOException {
        ch.configureBlocking(false);
        SelectionKey key = ch.register(selector, SelectionKey.OP_READ);
        String who = "queue " + queue.name() + ": connection " + (++accepted);
        FrameDecoder decoder = new FrameDecoder(ByteBuffer.allocate(READ_BUFFER_BYTES), Handshake.MAX_MESSAGE_BYTES, who);
        ClientProxy c = new ClientProxy(ch, key, decoder,
                FrameWriter.nonBlocking(new NioSink(ch, who), WRITE_BUFFER_BYTES, who));
        c.handshake = new HandshakeSteps(HandshakeSteps.Role.SERVER, authkey, "a process connecting to " + who);
        c.handshakeDeadline = System.nanoTime() + HANDSHAKE_TIMEOUT_NANOS;
        key.attach(c);
        pending.add(c);
        sendHandshake(c, c.handshake.start());
    }

    /**
     * One handshake frame from a pending connection: answers it, and makes the connection a peer
     * once both sides are authenticated.
     *
     * @return whether the connection is still open
     */
    private boolean handshake(ClientProxy c, byte[] frame) {
        if (!sendHandshake(c, c.handshake.onFrame(frame))) {
            return false;
        }
        if (c.handshake.failure() != null) {
            refuse(c, c.handshake.failure().getMessage());
            return false;
        }
        if (c.handshake.isDone()) {
            c.handshake = null;
            c.decoder.limit(queue.maxFrameBytes() + (long) QueueFrames.MAX_ITEM_OVERHEAD);
            pending.remove(c);
            c.peer = ledger.attach(c);
            connections.add(c);
        }
        return true;
    }

    /** @return whether the frames were written whole (a new socket takes a few hundred bytes at once) */
    private boolean sendHandshake(ClientProxy c, List<byte[]> frames) {
        try {
            for (byte[] f : frames) {
                c.out.append(null, 0, f, 0, f.length);
            }
            if (c.out.flushNonBlocking()) {
                return true;
            }
            refuse(c, "it does not read the handshake");
        } catch (RuntimeException e) {
            refuse(c, "sending the handshake failed: " + e.getMessage());
        }
        return false;
    }

    /** Closes the pending connections whose handshake is overdue. */
    void expireHandshakes(long now) {
        for (int i = pending.size() - 1; i >= 0; i--) {
            ClientProxy c = pending.get(i);
            if (now - c.handshakeDeadline >= 0) {
                refuse(c, "it did not authenticate within " + HANDSHAKE_TIMEOUT_NANOS / 1_000_000 + " ms");
            }
        }
    }

    /** @return when the next pending handshake is overdue ({@link System#nanoTime()}), or 0 if none is pending */
    long nextHandshakeDeadline() {
        long next = 0;
        for (ClientProxy c : pending) {
            if (next == 0 || c.handshakeDeadline - next < 0) {
                next = c.handshakeDeadline;
            }
        }
        return next;
    }

    private void refuse(ClientProxy c, String why) {
        refused(why);
        pending.remove(c);
        c.key.cancel();
        Cleanup.closeQuietly(c.channel);
    }

    /** Says once per broker, as a warning, that a connection was refused; later ones at debug level. */
    private void refused(String why) {
        if (!refusalLogged) {
            refusalLogged = true;
            LOG.warn("queue {}: refused a connection: {} (later refusals are logged at debug level)", queue.name(), why);
        } else {
            LOG.debug("queue {}: refused a connection: {}", queue.name(), why);
        }
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
                c.bytesRead += n;
                while (c.decoder.nextFrame()) {
                    var frame = c.decoder.frame();
                    if (c.handshake != null) {
                        c.handshakeBytes += FrameCodec.headerBytes(frame.length()) + frame.length();
                        if (!handshake(c, frame.toArray())) {
                            return;
                        }
                        continue;
                    }
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
        if (c.handshake != null) {
            refuse(c, why == null ? "it closed the connection during the handshake" : why.toString());
            return;
        }
        if (why != null && !(why instanceof IOException) && !(why instanceof ConnectionClosedException)) {
            LOG.warn("queue {}: dropping the connection of process {}: {}", queue.name(), c.peer.pid, why.toString());
        }
        if (!connections.remove(c)) {
            return;
        }
        c.key.cancel();
        if (c.peer.journal != null) { // before closing: a client still alive keeps its journal until it sees the end
            if (why == null || why instanceof IOException) {
                replayJournal(c);
            } else {
                QueueJournalTail.discard(c.peer.journal, c.peer.pid);
            }
        }
        Cleanup.closeQuietly(c.channel);
        ledger.detach(c.peer);
        runDeferred.run();
    }

    /**
     * The client's connection ended: applies what its journal holds beyond what arrived (commands
     * it framed and had not written, items its take() returned and had not acknowledged), as if it
     * had arrived, before the client's unacknowledged items go back to the head.
     */
    private void replayJournal(ClientProxy c) {
        QueueJournalTail.Result r = QueueJournalTail.read(c.peer.journal, c.peer.pid, c.streamBytesRead());
        if (r.tail() == null) {
            if (r.why() == null) {
                return;
            }
            LOG.warn("queue {}: not believing the journal {} of process {}: {}", queue.name(), c.peer.journal,
                    c.peer.pid, r.why());
            return;
        }
        byte[] bytes = r.tail().bytes();
        try {
            int at = 0;
            while (at < bytes.length) {
                ByteBuffer room = c.decoder.room();
                int n = Math.min(room.remaining(), bytes.length - at);
                room.put(bytes, at, n);
                c.decoder.filled(n);
                at += n;
                while (c.decoder.nextFrame()) {
                    var frame = c.decoder.frame();
                    try {
                        adapter.apply(c.peer, frame.segment());
                    } finally {
                        frame.release();
                    }
                }
            }
            long unacked = r.tail().taken() - c.peer.acked;
            if (unacked > 0) {
                ledger.ack(c.peer, (int) Math.min(unacked, c.peer.unacked.size()));
            }
            if (bytes.length > 0 || unacked > 0) {
                LOG.debug("queue {}: applied {} journal bytes and {} acknowledgements of process {}, whose connection ended",
                        queue.name(), bytes.length, unacked, c.peer.pid);
            }
        } catch (RuntimeException e) {
            LOG.warn("queue {}: the journal of process {} holds a command that cannot be applied: {}", queue.name(),
                    c.peer.pid, e.toString());
        }
    }

    /** Closes every connection (the broker stops). */
    void closeAll() {
        for (ClientProxy c : connections) {
            Cleanup.closeQuietly(c.channel);
        }
        for (ClientProxy c : pending) {
            Cleanup.closeQuietly(c.channel);
        }
        connections.clear();
        pending.clear();
    }

}
