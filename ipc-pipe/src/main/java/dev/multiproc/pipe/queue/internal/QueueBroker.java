package dev.multiproc.pipe.queue.internal;

import dev.multiproc.IpcException;
import dev.multiproc.spi.ContextSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
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
 * <p><b>Leader/follower with the owner's takers.</b> A thread of this process that waits in
 * {@code take()} would otherwise be woken by the broker thread, itself woken by the socket: two
 * wake-ups per item. Instead, while the broker thread is parked, such a thread selects and serves
 * the connections itself ({@link #serveWhileWaitingLocked}) and so wakes straight from the socket.
 * The broker thread parks once it saw an owner's taker waiting, and stays parked while takers
 * keep serving ({@link ServeTurns}); then it selects again. Frames of other processes thus wait
 * at most {@link ServeTurns#MAX_PARK_NANOS} for whoever serves.
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
    /** When the owner's previous flush returned (guarded by lock). */
    private long lastCallerFlush;
    private boolean flushRequested;
    /** Where the broker thread parks while an owner's taker serves (guarded by lock). */
    private final Condition parked = lock.newCondition();
    private final List<LocalLink> ownerLinks = new ArrayList<>();
    private boolean brokerSelecting;
    private boolean callerWantsToServe;
    /** Whether the broker thread or an owner's taker serves (guarded by lock). */
    private final ServeTurns turns = new ServeTurns();

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
        lock.lock();
        try {
            parked.signalAll();
        } finally {
            lock.unlock();
        }
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
        lock.lock();
        try {
            while (!closed.get()) {
                if (turns.parkWhileTakersServe(parked)) {
                    continue;
                }
                brokerSelecting = true;
                lock.unlock();
                try {
                    selector.select();
                } finally {
                    lock.lock();
                    brokerSelecting = false;
                }
                serveSelectedLocked();
                if (callerWantsToServe) {
                    // an owner's taker waits: leave the next rounds to it, and tell it so
                    callerWantsToServe = false;
                    turns.handedOver();
                    for (LocalLink l : ownerLinks) {
                        l.serveFree();
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            if (!closed.get()) {
                LOG.error("queue broker {} failed; the queue is closed for every process", name, e);
            }
        } catch (InterruptedException e) {
            LOG.error("queue broker {} was interrupted; the queue is closed for every process", name);
        } finally {
            closed.set(true);
            lock.unlock();
            shutdown();
        }
    }

    /**
     * A blocked {@code Selector.select()} is not a managed block: a pool thread (common pool,
     * parallel streams, {@code CompletableFuture.supplyAsync}) or a virtual thread waiting in it
     * would get no compensating thread, and other tasks of its pool could starve. Such threads
     * wait on a condition instead, as before.
     *
     * @return whether the current thread may wait in a selector on behalf of a queue
     */
    static boolean maySelectInThisThread() {
        Thread t = Thread.currentThread();
        return !t.isVirtual() && !(t instanceof ForkJoinWorkerThread);
    }

    /** Handles every ready key, then sends what that produced; the caller holds {@link #lock()}. */
    private void serveSelectedLocked() throws IOException {
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
    }

    /**
     * Lets an owner's thread that waits for an item serve the connections itself for one round
     * (select, read, apply, write), so that it wakes straight from the socket instead of being
     * woken by the broker thread. The caller holds {@link #lock()} exactly once; it is released
     * while selecting. A pending interrupt ends the select at once; it is kept away from the
     * channels while they are read and written (it would close them) and set again afterwards.
     *
     * @param nanos how long the caller may wait; negative: no limit
     * @return false if the caller must wait to be signalled instead (the broker thread or
     *         another taker serves, or the broker is closed); true after one round
     */
    boolean serveWhileWaitingLocked(long nanos) {
        if (closed.get() || turns.takerServes() || lock.getHoldCount() != 1 || !maySelectInThisThread()) {
            return false;
        }
        if (brokerSelecting) {
            callerWantsToServe = true;
            return false;
        }
        turns.takerStarts();
        boolean interrupted = false;
        try {
            lock.unlock();
            try {
                if (nanos < 0) {
                    selector.select();
                } else {
                    selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos + 999_999)));
                }
            } finally {
                lock.lock();
            }
            interrupted = Thread.interrupted();
            if (!closed.get()) {
                serveSelectedLocked();
            }
        } catch (IOException | ClosedSelectorException e) {
            if (!closed.get()) {
                LOG.error("queue broker {} failed in a taker's thread; the queue is closed for every process", name, e);
                closed.set(true);
            }
        } finally {
            if (turns.takerStops() || closed.get()) {
                parked.signal(); // the broker thread may be parked without a time limit
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        return true;
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
            ownerLinks.add(link);
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
     * not wait, or its previous call ended more than {@link Outbox#LINGER_NANOS} ago (an occasional
     * put, or one of a request/response loop), else by the broker thread, woken for it, so a
     * producer in a tight loop hands over batches.
     */
    void flushFromCaller(Outbox.Urgency urgency) {
        lock.lock();
        try {
            long now = System.nanoTime();
            boolean burst = now - lastCallerFlush <= Outbox.LINGER_NANOS;
            lastCallerFlush = now;
            if (closed.get() || !anyOutput()) {
                return;
            }
            if (urgency == Outbox.Urgency.URGENT || !burst) {
                flushAll();
                lastCallerFlush = System.nanoTime(); // the gap to the next call starts after this write
            } else if (!brokerSelecting && !turns.takerServes()) {
                flushAll(); // the broker thread is parked: nobody would see a wake-up soon
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
                if (n == 0 || !c.decoder.lastReadFilled()) {
                    break; // drained: another read would find nothing
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
