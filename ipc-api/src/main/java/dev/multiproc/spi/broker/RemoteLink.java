package dev.multiproc.spi.broker;

import dev.multiproc.spi.Cleanup;
import dev.multiproc.spi.ProcessIdentity;
import dev.multiproc.spi.auth.HandshakeSteps;
import dev.multiproc.spi.auth.NioFrameLink;
import dev.multiproc.spi.frame.FrameDecoder;
import dev.multiproc.spi.frame.FrameWriter;
import dev.multiproc.spi.log.Log;
import dev.multiproc.spi.wait.ReadTurns;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A {@link BrokerLink} over a socket to a broker in another process: commands go out through a
 * {@link BrokerProxy} into a {@link FrameWriter}, and the broker's frames are decoded, many per
 * read, by a {@link ClientAdapter} into the client's {@code on...} methods. Thread-safe.
 *
 * <p><b>Who reads.</b> A reader thread ({@code multiproc-queue-reader-<name>}, daemon) reads
 * whenever no taker waits. A thread that waits in {@code take()} would otherwise be woken by the
 * reader, itself woken by the socket: two wake-ups per item. Instead, while the reader thread is
 * parked, the waiting taker selects and reads the socket itself ({@link #serveWhileWaiting}) and
 * so wakes straight from the socket. The reader parks once it saw a taker waiting and stays
 * parked while takers keep reading ({@link ReadTurns}); then it reads again itself, so frames such
 * as RECALL are handled even when no thread of this process uses the queue. The socket is
 * non-blocking, so a taker's wait can time out and be interrupted without closing it.
 *
 * <p>A write that fails (the broker is gone) is reported to the client once, which then fails
 * the calls waiting for replies and every later call with a {@link dev.multiproc.QueueClosedException}.
 */
final class RemoteLink implements BrokerLink {
    private static final Log LOG = Log.of(RemoteLink.class);
    /** Coalesces puts closer than this to the end of the previous write. */
    static final long BURST_WINDOW_NANOS = TimeUnit.MICROSECONDS.toNanos(1);
    private static volatile boolean journalWarned;

    private final QueueClient client;
    private final SocketChannel channel;
    /** Selects OP_READ; used by whoever reads. */
    private final Selector readable;
    private final FrameDecoder decoder;
    private final ClientAdapter adapter;
    private final NioSink sink;
    private final FrameWriter writer;
    private final QueueJournal journal;
    private final BrokerProxy out;
    private final Thread reader;
    /** Guards who reads; never held while the client's lock is taken. */
    private final ReentrantLock serveLock = new ReentrantLock();
    private final Condition parked = serveLock.newCondition();
    private boolean readerServes;
    private boolean takerWants;
    private boolean ended;
    /** Whether the reader thread or a taker reads (guarded by serveLock). */
    private final ReadTurns turns = new ReadTurns();
    private volatile boolean closing;
    private volatile boolean writeFailed;

    /**
     * Connects to the broker. An interrupt would abort the connect and close the channel: it is
     * set aside and given back to the caller, and a connect it aborted midway is tried again.
     *
     * @param client    the client the link serves
     * @param endpoints how the transport reaches the broker
     * @return the link, its reader thread started
     * @throws IOException if the broker cannot be reached
     */
    static RemoteLink connect(QueueClient client, BrokerEndpoints endpoints) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            while (true) {
                try {
                    return new RemoteLink(client, endpoints);
                } catch (ClosedByInterruptException e) {
                    interrupted |= Thread.interrupted();
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Connects.
     *
     * @param client    the client it serves
     * @param endpoints how its transport connects
     * @throws IOException if the broker's socket cannot be reached
     */
    RemoteLink(QueueClient client, BrokerEndpoints endpoints) throws IOException {
        this.client = client;
        QueueDescriptor q = client.queue();
        SocketChannel ch = endpoints.connect(q.address());
        Selector r = null;
        try {
            authenticate(ch, "the broker of queue " + q.name() + " (pid " + q.ownerPid() + ")");
            r = Selector.open();
            ch.register(r, SelectionKey.OP_READ);
        } catch (IOException | RuntimeException e) {
            Cleanup.closeQuietly(r);
            ch.close();
            throw e;
        }
        this.channel = ch;
        this.readable = r;
        String who = "queue " + q.name() + " (client)";
        this.decoder = new FrameDecoder(ByteBuffer.allocateDirect(QueueBroker.BUFFER_BYTES),
                q.maxFrameBytes() + (long) QueueFrames.MAX_ITEM_OVERHEAD, who);
        this.adapter = new ClientAdapter(client);
        this.sink = new NioSink(ch, who);
        this.journal = openJournal(endpoints, q);
        this.writer = journal == null
                ? new FrameWriter(sink, null, QueueBroker.BUFFER_BYTES, BURST_WINDOW_NANOS, who)
                : new FrameWriter(sink, journal, BURST_WINDOW_NANOS, who);
        this.out = new BrokerProxy(writer, journal);
        out.hello();
        out.flush(FrameWriter.Urgency.NOW); // the broker knows the journal before anything depends on it
        this.reader = Thread.ofPlatform().name("multiproc-queue-reader-" + q.name()).daemon(true).unstarted(this::runReader);
        reader.start();
    }

    /** @return a journal for the writer, or null if the transport has none or it cannot be made (said once) */
    private static QueueJournal openJournal(BrokerEndpoints endpoints, QueueDescriptor q) {
        Optional<Path> dir = endpoints.journalDirectory();
        if (dir.isEmpty()) {
            return null;
        }
        try {
            return QueueJournal.create(dir.get(), QueueBroker.BUFFER_BYTES);
        } catch (IOException | RuntimeException e) {
            if (!journalWarned) {
                journalWarned = true;
                LOG.warn("queue {}: cannot make a journal in {} ({}): items put or taken here just before this process"
                        + " is killed may be lost or delivered again", q.name(), dir.get(), e.toString());
            }
            return null;
        }
    }

    /** Proves this process's authkey to the broker and checks the broker's; leaves the channel non-blocking. */
    private static void authenticate(SocketChannel channel, String broker) throws IOException {
        try (NioFrameLink link = new NioFrameLink(channel, broker)) {
            new HandshakeSteps(HandshakeSteps.Role.CLIENT, ProcessIdentity.authkey(), broker)
                    .run(link, HandshakeSteps.DEFAULT_TIMEOUT_NANOS);
        }
    }

    /** Runs one sending step; a failure (the broker is gone) is reported to the client once. */
    private void sending(Consumer<BrokerProxy> step) {
        if (writeFailed) {
            return;
        }
        try {
            step.accept(out);
        } catch (RuntimeException e) {
            sendFailed(e);
        }
    }

    private void sendFailed(RuntimeException e) {
        writeFailed = true;
        if (!closing) {
            disconnected("sending to the broker failed (" + e.getMessage() + ")");
        }
    }

    /** The connection is gone: no broker will read the journal, and the client must know. */
    private void disconnected(String why) {
        if (journal != null) {
            journal.delete();
        }
        client.onDisconnected(why);
    }

    @Override
    public void put(byte mode, long reqId, byte[] item) {
        if (writeFailed) { // as sending(...), without a capturing lambda per put
            return;
        }
        try {
            out.put(mode, reqId, item);
        } catch (RuntimeException e) {
            sendFailed(e);
        }
    }

    @Override
    public void longCommand(byte command, long value) {
        sending(o -> o.longCommand(command, value));
    }

    @Override
    public void intCommand(byte command, int value) {
        sending(o -> o.intCommand(command, value));
    }

    @Override
    public void ack() {
        sending(BrokerProxy::ack);
    }

    @Override
    public void flush(FrameWriter.Urgency urgency) {
        sending(o -> o.flush(urgency));
    }

    @Override
    public boolean serveWhileWaiting(long nanos) {
        ReentrantLock clientLock = client.lock();
        if (clientLock.getHoldCount() != 1 || !QueueBroker.maySelectInThisThread()) {
            return false;
        }
        serveLock.lock();
        try {
            if (closing || ended || turns.waiterReads()) {
                return false;
            }
            if (readerServes) {
                takerWants = true; // the reader thread steps aside after its current round
                return false;
            }
            turns.waiterStarts();
        } finally {
            serveLock.unlock();
        }
        String why;
        clientLock.unlock();
        try {
            why = serveOnce(nanos < 0 ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos + 999_999)));
        } finally {
            clientLock.lock();
        }
        serveLock.lock();
        try {
            if (why != null) {
                ended = true;
            }
            if (turns.waiterStops() || why != null) {
                parked.signal(); // the reader thread may be parked without a time limit
            }
        } finally {
            serveLock.unlock();
        }
        if (why != null && !closing) {
            disconnected(why);
        }
        return true;
    }

    @Override
    public void close() {
        closing = true;
        readable.wakeup();
        serveLock.lock();
        try {
            parked.signalAll();
        } finally {
            serveLock.unlock();
        }
        writer.close(TimeUnit.MILLISECONDS.toNanos(100));
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("queue {}: closing the socket failed", client.queue().name(), e);
        }
        if (Thread.currentThread() != reader) {
            try {
                reader.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Cleanup.closeQuietly(readable);
        sink.close();
        if (journal != null) {
            journal.delete(); // close wrote everything to the socket first
        }
    }

    private void runReader() {
        String why = null;
        serveLock.lock();
        try {
            while (!closing && !ended) {
                if (turns.parkWhileWaitersRead(parked)) {
                    continue;
                }
                readerServes = true;
                serveLock.unlock();
                try {
                    why = serveOnce(0);
                } finally {
                    serveLock.lock();
                    readerServes = false;
                }
                if (why != null) {
                    ended = true;
                    break;
                }
                if (takerWants) {
                    // a taker waits: leave the next rounds to it, and tell it so
                    takerWants = false;
                    turns.handedOver();
                    serveLock.unlock();
                    try {
                        client.onServeFree();
                    } finally {
                        serveLock.lock();
                    }
                }
            }
        } catch (InterruptedException e) {
            why = "the reader thread was interrupted";
            ended = true;
        } finally {
            serveLock.unlock();
        }
        if (why != null && !closing) {
            disconnected(why);
        }
    }

    /**
     * Waits until the socket is readable (or the time is up, or the thread is interrupted), then
     * reads and handles every frame there. A pending interrupt is kept away from the reads (it
     * would close the channel) and set again afterwards. Called by one thread at a time.
     *
     * @param millis how long to wait; 0 for ever
     * @return null, or why the connection ended
     */
    private String serveOnce(long millis) {
        try {
            readable.select(millis);
            readable.selectedKeys().clear();
            boolean interrupted = Thread.interrupted();
            try {
                for (int i = 0; i < 16; i++) {
                    ByteBuffer room = decoder.room();
                    int asked = room.remaining();
                    int n = channel.read(room);
                    if (n < 0) {
                        return "the broker closed the connection";
                    }
                    decoder.filled(n);
                    while (decoder.nextFrame()) {
                        var frame = decoder.frame();
                        try {
                            adapter.onFrame(frame.segment());
                        } finally {
                            frame.release();
                        }
                    }
                    if (n < asked) {
                        break; // drained: another read would find nothing
                    }
                }
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            return null;
        } catch (ClosedChannelException | ClosedSelectorException e) {
            return "the connection was closed";
        } catch (IOException | RuntimeException e) {
            LOG.debug("queue {}: reading from the broker failed", client.queue().name(), e);
            return "reading from the broker failed (" + e + ")";
        }
    }

}
