package dev.multiproc.pipe.queue.internal;

import dev.multiproc.IpcException;
import dev.multiproc.spi.ContextSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import dev.multiproc.QueueClosedException;

/**
 * Serves one queue to every process that uses it: a Unix-domain socket server in the process
 * that created the queue, with one thread ({@code multiproc-queue-broker-<name>}, daemon) that
 * multiplexes all connections with a {@link Selector}. The thread reads every ready connection
 * (many frames per read), applies the frames to the {@link QueueLedger} in arrival order, and then
 * flushes every connection that has output with one gathering write. Because the ledger is used
 * by this thread alone it needs no lock, and because each connection's frames are applied in the
 * order they were sent, a reply always reflects everything its client sent before.
 *
 * <p>The socket file ({@code multiproc-queue-<pid>-<n>-<random>.sock} in the socket directory)
 * is removed when the broker closes: on context close, at JVM exit (see {@link QueueRegistry}),
 * or when the thread stops for any reason. Closing drops every connection, so blocked clients in
 * other processes fail with a {@code QueueClosedException} naming this process.
 */
public final class QueueBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QueueBroker.class);
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final String name;
    private final Path path;
    private final int maxsize;
    private final boolean joinable;
    private final int maxFrameBytes;
    private final ServerSocketChannel server;
    private final Selector selector;
    private final QueueLedger ledger;
    private final Thread thread;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Guards the ledger and every connection's output; the owner's own client shares it. */
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Runnable> deferred = new ArrayDeque<>();
    private final List<BrokerConnection> connections = new ArrayList<>();
    private long lastCallerFlush;
    private boolean flushRequested;

    private QueueBroker(String name, Path path, int maxsize, boolean joinable, int maxFrameBytes,
                        ServerSocketChannel server, Selector selector) {
        this.name = name;
        this.path = path;
        this.maxsize = maxsize;
        this.joinable = joinable;
        this.maxFrameBytes = maxFrameBytes;
        this.server = server;
        this.selector = selector;
        this.ledger = new QueueLedger(name, maxsize, joinable);
        this.thread = Thread.ofPlatform().name("multiproc-queue-broker-" + name).daemon(true).unstarted(this::run);
    }

    /**
     * Binds the socket and starts the broker thread.
     *
     * @param directory     where the socket file goes
     * @param maxsize       capacity; zero or negative means unbounded
     * @param joinable      whether taskDone/join are allowed
     * @param maxFrameBytes the largest item accepted
     * @return the running broker
     * @throws IpcException if the socket cannot be created
     */
    public static QueueBroker start(Path directory, int maxsize, boolean joinable, int maxFrameBytes) {
        long pid = ProcessHandle.current().pid();
        String name = pid + "-" + COUNTER.incrementAndGet() + "-"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
        Path path = directory.resolve(ContextSettings.FILE_PREFIX + "queue-" + name + ".sock").toAbsolutePath();
        ServerSocketChannel server = null;
        Selector selector = null;
        try {
            Files.createDirectories(directory);
            StaleQueueSockets.sweep(directory);
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(path));
            server.configureBlocking(false);
            selector = Selector.open();
            server.register(selector, SelectionKey.OP_ACCEPT);
            QueueBroker broker = new QueueBroker(name, path, maxsize, joinable, maxFrameBytes, server, selector);
            QueueRegistry.brokerStarted(broker);
            broker.thread.start();
            return broker;
        } catch (IOException | RuntimeException e) {
            closeQuietly(selector);
            closeQuietly(server);
            deleteQuietly(path);
            throw new IpcException("cannot create the socket " + path + " of a new queue: " + e, e);
        }
    }

    /** @return the queue's name, unique on this host */
    public String name() {
        return name;
    }

    /** @return the socket file clients connect to */
    public Path path() {
        return path;
    }

    /** @return the capacity; zero or negative means unbounded */
    public int maxsize() {
        return maxsize;
    }

    /** @return whether taskDone/join are allowed */
    public boolean joinable() {
        return joinable;
    }

    /** @return the largest item accepted */
    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /** @return whether the broker thread still serves */
    public boolean isOpen() {
        return !closed.get() && thread.isAlive();
    }

    /** Stops serving: drops every connection and removes the socket file. Idempotent, thread-safe. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        selector.wakeup();
        if (Thread.currentThread() != thread && thread.isAlive()) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (thread.isAlive() && Thread.currentThread() != thread) {
            LOG.warn("queue broker {} did not stop within 5 s", name);
        }
        shutdown();
        QueueRegistry.brokerClosed(this);
    }

    private void run() {
        try {
            while (!closed.get()) {
                selector.select();
                lock.lock();
                try {
                    flushRequested = false;
                    Set<SelectionKey> keys = selector.selectedKeys();
                    for (SelectionKey key : keys) {
                        if (!key.isValid()) {
                            continue;
                        }
                        if (key.isAcceptable()) {
                            accept();
                        } else {
                            BrokerConnection c = (BrokerConnection) key.attachment();
                            if (key.isReadable()) {
                                read(c);
                            }
                        }
                    }
                    keys.clear();
                    runDeferredLocked();
                    flushAll();
                } finally {
                    lock.unlock();
                }
            }
        } catch (IOException | RuntimeException e) {
            if (!closed.get()) {
                LOG.error("queue broker {} failed; the queue is closed for every process", name, e);
            }
        } finally {
            closed.set(true);
            shutdown();
        }
    }

    /** @return the lock guarding the ledger, shared with this process's own client */
    ReentrantLock lock() {
        return lock;
    }

    /** @return the ledger; the caller holds {@link #lock()} */
    QueueLedger ledgerLocked() {
        return ledger;
    }

    /** @throws QueueClosedException if the broker no longer serves */
    void checkServing() {
        if (closed.get()) {
            throw new QueueClosedException("queue " + name + " is closed: the context that created it in this process ("
                    + ProcessHandle.current().pid() + ") was closed");
        }
    }

    /**
     * Attaches this process's own client, which then talks to the ledger in place.
     *
     * @param client the client
     * @return its link
     */
    BrokerLink attachLocal(QueueClient client) {
        LocalLink link = new LocalLink(this, client);
        lock.lock();
        try {
            checkServing();
            QueueLedger.Peer peer = ledger.attach(link);
            ledger.hello(peer, ProcessHandle.current().pid());
            link.attach(peer);
        } finally {
            lock.unlock();
        }
        return link;
    }

    /** Runs the action after the current ledger call; the caller holds {@link #lock()}. */
    void deferLocked(Runnable action) {
        deferred.add(action);
    }

    /** Runs deferred actions, and those they defer; the caller holds {@link #lock()}. */
    void runDeferredLocked() {
        for (Runnable r = deferred.poll(); r != null; r = deferred.poll()) {
            r.run();
        }
    }

    /**
     * Sends what the owner's own calls produced for other processes: at once if the caller must
     * not wait or nothing was sent in the last {@link Outbox#LINGER_NANOS}, else by the broker
     * thread, woken for it, so a producer in a tight loop hands over batches.
     */
    void flushFromCaller(Outbox.Urgency urgency) {
        lock.lock();
        try {
            if (closed.get() || !anyOutput()) {
                return;
            }
            long now = System.nanoTime();
            if (urgency == Outbox.Urgency.URGENT || now - lastCallerFlush > Outbox.LINGER_NANOS) {
                lastCallerFlush = now;
                flushAll();
            } else if (!flushRequested) {
                flushRequested = true;
                selector.wakeup();
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean anyOutput() {
        for (int i = 0; i < connections.size(); i++) {
            if (connections.get(i).hasOutput()) {
                return true;
            }
        }
        return false;
    }

    private void shutdown() {
        lock.lock();
        try {
            for (BrokerConnection c : connections) {
                closeQuietly(c.channel);
            }
            connections.clear();
            closeQuietly(selector);
            closeQuietly(server);
            deleteQuietly(path);
        } finally {
            lock.unlock();
        }
    }

    private void accept() throws IOException {
        SocketChannel ch = server.accept();
        if (ch == null) {
            return;
        }
        ch.configureBlocking(false);
        SelectionKey key = ch.register(selector, SelectionKey.OP_READ);
        BrokerConnection c = new BrokerConnection(ch, key, maxFrameBytes + (long) QueueProtocol.PUT_PREFIX);
        c.peer = ledger.attach(c);
        key.attach(c);
        connections.add(c);
    }

    private void read(BrokerConnection c) {
        try {
            // read until the socket is drained, so one wake-up handles a whole burst
            for (int i = 0; i < 16; i++) {
                int n = c.decoder.readFrom(c.channel, (type, body) -> apply(c, type, body));
                if (n < 0) {
                    drop(c, null);
                    return;
                }
                if (n == 0) {
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            drop(c, e);
        }
    }

    /** Flushes every connection with output; replies to one are often produced while reading another. */
    private void flushAll() {
        boolean again = true;
        while (again) {
            again = false;
            for (int i = 0; i < connections.size(); i++) {
                BrokerConnection c = connections.get(i);
                if (c.hasOutput()) {
                    try {
                        c.flush();
                    } catch (IOException e) {
                        drop(c, e);
                        again = true; // detaching may have produced output for the others
                        break;
                    }
                }
            }
        }
    }

    private void drop(BrokerConnection c, Exception why) {
        if (why != null && !(why instanceof IOException)) {
            LOG.warn("queue {}: dropping the connection of process {}: {}", name, c.peer.pid, why.toString());
        }
        if (!connections.remove(c)) {
            return;
        }
        c.key.cancel();
        closeQuietly(c.channel);
        ledger.detach(c.peer);
        runDeferredLocked();
    }

    private void apply(BrokerConnection c, byte type, ByteBuffer body) {
        QueueLedger.Peer p = c.peer;
        switch (type) {
            case QueueProtocol.HELLO -> ledger.hello(p, body.getLong());
            case QueueProtocol.PUT -> {
                byte mode = body.get();
                long reqId = body.getLong();
                byte[] item = new byte[body.remaining()];
                body.get(item);
                ledger.put(p, mode, reqId, item);
            }
            case QueueProtocol.DEMAND -> ledger.demand(p, body.getInt());
            case QueueProtocol.POLL -> ledger.poll(p, body.getLong());
            case QueueProtocol.PREFETCH -> ledger.prefetch(p, body.getInt());
            case QueueProtocol.ACK -> ledger.ack(p, body.getInt());
            case QueueProtocol.RETURN -> ledger.returned(p, body.getInt());
            case QueueProtocol.SIZE -> ledger.size(p, body.getLong());
            case QueueProtocol.TASK_DONE -> ledger.taskDone(p, body.getInt());
            case QueueProtocol.DONE_CHECK -> ledger.doneCheck(p, body.getLong());
            case QueueProtocol.JOIN -> ledger.join(p, body.getLong());
            case QueueProtocol.CANCEL -> ledger.cancel(p, body.getLong());
            case QueueProtocol.SYNC -> ledger.sync(p, body.getLong());
            default -> throw new IllegalArgumentException("unexpected frame " + QueueProtocol.name(type)
                    + " from a client of queue " + name);
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

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("cannot remove queue socket {}: {}", path, e.toString());
        }
    }

    @Override
    public String toString() {
        return "QueueBroker[" + name + ", " + path + (closed.get() ? ", closed]" : "]");
    }
}
