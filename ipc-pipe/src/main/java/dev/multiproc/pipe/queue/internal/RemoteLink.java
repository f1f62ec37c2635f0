package dev.multiproc.pipe.queue.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link BrokerLink} over a Unix-domain socket to a broker in another process: frames go out
 * through an {@link Outbox}, and the broker's frames are decoded, many per read, into the
 * client's {@code on...} methods. Thread-safe.
 *
 * <p><b>Who reads.</b> A reader thread ({@code multiproc-queue-reader-<name>}, daemon) reads
 * whenever no taker waits. A thread that waits in {@code take()} would otherwise be woken by the
 * reader, itself woken by the socket: two wake-ups per item. Instead, while the reader thread is
 * parked, the waiting taker selects and reads the socket itself ({@link #serveWhileWaiting}) and
 * so wakes straight from the socket (leader/follower). The reader parks once it saw a taker
 * waiting, and stays parked while takers keep reading ({@link ServeTurns}); then it reads again
 * itself, so frames such as RECALL
 * are handled even when no thread of this process uses the queue. The socket is non-blocking, so
 * a taker's wait can time out and be interrupted without closing it.
 */
final class RemoteLink implements BrokerLink {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteLink.class);

    private final QueueClient client;
    private final SocketChannel channel;
    /** Selects OP_READ; used by whoever reads. */
    private final Selector readable;
    /** Selects OP_WRITE; used by whoever holds the outbox's writing token, when the socket is full. */
    private final Selector writable;
    private final FrameDecoder decoder;
    private final Outbox out;
    private final Thread reader;
    /** Guards who reads; never held while the client's lock is taken. */
    private final ReentrantLock serveLock = new ReentrantLock();
    private final Condition parked = serveLock.newCondition();
    private boolean readerServes;
    private boolean takerWants;
    private boolean ended;
    /** Whether the reader thread or a taker reads (guarded by serveLock). */
    private final ServeTurns turns = new ServeTurns();
    private volatile boolean closing;

    /**
     * Connects.
     *
     * @throws IOException if the broker's socket cannot be reached
     */
    RemoteLink(QueueClient client) throws IOException {
        this.client = client;
        QueueDescriptor q = client.queue();
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        Selector r = null;
        Selector w = null;
        try {
            ch.connect(UnixDomainSocketAddress.of(q.path()));
            ch.configureBlocking(false);
            r = Selector.open();
            ch.register(r, SelectionKey.OP_READ);
            w = Selector.open();
            ch.register(w, SelectionKey.OP_WRITE);
        } catch (IOException e) {
            closeQuietly(r);
            closeQuietly(w);
            ch.close();
            throw e;
        }
        this.channel = ch;
        this.readable = r;
        this.writable = w;
        this.decoder = new FrameDecoder(q.maxFrameBytes() + 16L);
        this.out = new Outbox(ch, this::awaitWritable, "multiproc-queue-writer-" + q.name(), this::writeFailed);
        out.longFrame(QueueProtocol.HELLO, ProcessHandle.current().pid());
        this.reader = Thread.ofPlatform().name("multiproc-queue-reader-" + q.name()).daemon(true).unstarted(this::runReader);
        reader.start();
    }

    @Override
    public void put(byte mode, long reqId, byte[] item) {
        out.put(mode, reqId, item);
    }

    @Override
    public void demand(int delta) {
        out.intFrame(QueueProtocol.DEMAND, delta);
    }

    @Override
    public void poll(long reqId) {
        out.longFrame(QueueProtocol.POLL, reqId);
    }

    @Override
    public void prefetch(int target) {
        out.intFrame(QueueProtocol.PREFETCH, target);
    }

    @Override
    public void ack() {
        out.ack();
    }

    @Override
    public void returned(int count) {
        out.intFrame(QueueProtocol.RETURN, count);
    }

    @Override
    public void size(long reqId) {
        out.longFrame(QueueProtocol.SIZE, reqId);
    }

    @Override
    public void taskDone(int count) {
        out.intFrame(QueueProtocol.TASK_DONE, count);
    }

    @Override
    public void doneCheck(long reqId) {
        out.longFrame(QueueProtocol.DONE_CHECK, reqId);
    }

    @Override
    public void join(long reqId) {
        out.longFrame(QueueProtocol.JOIN, reqId);
    }

    @Override
    public void cancel(long reqId) {
        out.longFrame(QueueProtocol.CANCEL, reqId);
    }

    @Override
    public void sync(long reqId) {
        out.longFrame(QueueProtocol.SYNC, reqId);
    }

    @Override
    public void awaitRoom() {
        out.awaitRoom();
    }

    @Override
    public void flush(Outbox.Urgency urgency) {
        out.flush(urgency);
    }

    @Override
    public boolean serveWhileWaiting(long nanos) {
        ReentrantLock clientLock = client.lock();
        if (clientLock.getHoldCount() != 1 || !QueueBroker.maySelectInThisThread()) {
            return false;
        }
        serveLock.lock();
        try {
            if (closing || ended || turns.takerServes()) {
                return false;
            }
            if (readerServes) {
                takerWants = true; // the reader thread steps aside after its current round
                return false;
            }
            turns.takerStarts();
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
            if (turns.takerStops() || why != null) {
                parked.signal(); // the reader thread may be parked without a time limit
            }
        } finally {
            serveLock.unlock();
        }
        if (why != null && !closing) {
            client.onDisconnected(why);
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
        out.close();
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
        closeQuietly(readable);
        closeQuietly(writable);
    }

    private void writeFailed(IOException e) {
        if (!closing) {
            client.onDisconnected("sending to the broker failed (" + e.getMessage() + ")");
        }
    }

    /** Waits (at most 100 ms) until the socket takes more bytes; called by the one thread writing. */
    private void awaitWritable() throws IOException {
        try {
            writable.select(100);
            writable.selectedKeys().clear();
        } catch (ClosedSelectorException e) {
            throw new ClosedChannelException();
        }
    }

    private void runReader() {
        String why = null;
        serveLock.lock();
        try {
            while (!closing && !ended) {
                if (turns.parkWhileTakersServe(parked)) {
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
            client.onDisconnected(why);
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
                    int n = decoder.readFrom(channel, this::onFrame);
                    if (n < 0) {
                        return "the broker closed the connection";
                    }
                    if (n == 0 || !decoder.lastReadFilled()) {
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

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("closing {} failed", c, e);
            }
        }
    }

    private void onFrame(byte type, ByteBuffer body) {
        switch (type) {
            case QueueProtocol.ITEM -> {
                byte kind = body.get();
                byte[] item = new byte[body.remaining()];
                body.get(item);
                client.onItem(kind, item);
            }
            case QueueProtocol.REPLY -> client.onReply(body.getLong(), body.get(), body.getLong());
            case QueueProtocol.RECALL -> client.onRecall();
            case QueueProtocol.PUSH_OFF -> client.onPushOff();
            case QueueProtocol.REVOKE -> client.onRevoke(body.getInt());
            case QueueProtocol.ERROR -> {
                long id = body.getLong();
                client.onError(id, StandardCharsets.UTF_8.decode(body).toString());
            }
            default -> throw new IllegalArgumentException("unexpected frame " + QueueProtocol.name(type)
                    + " from the broker of queue " + client.queue().name());
        }
    }
}
