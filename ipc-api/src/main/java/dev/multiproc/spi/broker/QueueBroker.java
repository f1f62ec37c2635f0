package dev.multiproc.spi.broker;

import dev.multiproc.IpcException;
import dev.multiproc.QueueClosedException;
import dev.multiproc.spi.Cleanup;
import dev.multiproc.spi.frame.FrameWriter;
import dev.multiproc.spi.log.Log;
import dev.multiproc.spi.wait.Deadline;
import dev.multiproc.spi.wait.ReadTurns;

import java.io.IOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Serves one queue to every process that uses it: a server in the process that created the queue,
 * listening on the transport's {@link BrokerEndpoints}, with one thread
 * ({@code multiproc-queue-broker-<name>}, daemon) that multiplexes all connections with a
 * {@link Selector}. Each round reads every ready connection (many frames per read), applies the
 * commands to the {@link QueueLedger} in arrival order, and then writes every connection's answers
 * with one write each ({@link BrokerConnections}). Each connection's commands
 * are applied in the order they were sent, so a reply reflects everything its client sent before.
 * The ledger and every connection's output are guarded by the broker's lock, which this process's
 * own client shares ({@link LocalLink}: the owner applies its calls in place).
 *
 * <p><b>The waiter reads for itself.</b> A thread of this process that waits in {@code take()}
 * would otherwise be woken by the broker thread, itself woken by the socket: two wake-ups per
 * item. Instead, while the broker thread is parked, such a thread selects and serves the
 * connections itself ({@link #serveWhileWaitingLocked}) and wakes straight from the socket. The
 * broker thread parks once it saw an owner's taker waiting and stays parked while takers keep
 * serving ({@link ReadTurns}); then it selects again, so frames of other processes wait at most
 * {@link ReadTurns#MAX_PARK_NANOS} for whoever serves.
 *
 * <p>The listening socket is released when the broker closes: on context close, at JVM exit (see
 * {@link QueueRegistry}), or when the thread stops for any reason. Closing drops every
 * connection, so blocked clients in other processes fail with a {@link QueueClosedException}
 * naming this process.
 */
public final class QueueBroker implements AutoCloseable {
    private static final Log LOG = Log.of(QueueBroker.class);
    private static final AtomicInteger COUNTER = new AtomicInteger();
    /** Size of each connection's read buffer and initial write buffer. */
    static final int BUFFER_BYTES = 64 << 10;
    /** An owner's call this soon after the end of its previous one is part of a burst. */
    static final long CALLER_BURST_NANOS = TimeUnit.MICROSECONDS.toNanos(1);
    private static final long STOP_WAIT_MILLIS = 5_000;

    private final QueueDescriptor queue;
    private final BrokerEndpoints.Listener listener;
    private final Selector selector;
    private final QueueLedger ledger;
    private final BrokerConnections connections;
    private final Thread thread;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Guards the ledger and every connection's output; the owner's own client shares it. */
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Runnable> deferred = new ArrayDeque<>();
    /** When the owner's previous flush returned (guarded by lock). */
    private long lastCallerFlush;
    private boolean flushRequested;
    /** Where the broker thread parks while an owner's taker serves (guarded by lock). */
    private final Condition parked = lock.newCondition();
    private final List<LocalLink> ownerLinks = new ArrayList<>();
    private boolean brokerSelecting;
    private boolean callerWantsToServe;
    /** Whether the broker thread or an owner's taker serves (guarded by lock). */
    private final ReadTurns turns = new ReadTurns();

    private QueueBroker(QueueDescriptor queue, BrokerEndpoints.Listener listener, Selector selector) {
        this.queue = queue;
        this.listener = listener;
        this.selector = selector;
        this.ledger = new QueueLedger(queue.name(), queue.maxsize(), queue.joinable(), selector::wakeup);
        this.connections = new BrokerConnections(queue, selector, ledger, this::runDeferredLocked);
        this.thread = Thread.ofPlatform().name("multiproc-queue-broker-" + queue.name()).daemon(true).unstarted(this::run);
    }

    /**
     * Binds the socket and starts the broker thread.
     *
     * @param endpoints     how the transport listens
     * @param maxsize       capacity; zero or negative means unbounded
     * @param joinable      whether taskDone/join are allowed
     * @param maxFrameBytes the largest item accepted
     * @return the running broker
     * @throws IpcException if the socket cannot be created
     */
    public static QueueBroker start(BrokerEndpoints endpoints, int maxsize, boolean joinable, int maxFrameBytes) {
        long pid = ProcessHandle.current().pid();
        String name = pid + "-" + COUNTER.incrementAndGet() + "-"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
        BrokerEndpoints.Listener listener = null;
        Selector selector = null;
        try {
            listener = endpoints.listen(name);
            listener.channel().configureBlocking(false);
            selector = Selector.open();
            listener.channel().register(selector, SelectionKey.OP_ACCEPT);
            QueueDescriptor queue = new QueueDescriptor(endpoints.provider(), name, listener.address(), maxsize,
                    joinable, pid, maxFrameBytes);
            QueueBroker broker = new QueueBroker(queue, listener, selector);
            QueueRegistry.brokerStarted(broker);
            broker.thread.start();
            return broker;
        } catch (IOException | RuntimeException e) {
            Cleanup.closeQuietly(selector);
            Cleanup.closeQuietly(listener);
            throw new IpcException("cannot create the broker socket of a new queue " + name + ": " + e, e);
        }
    }

    /** @return what the queue's handles carry */
    public QueueDescriptor queue() {
        return queue;
    }

    /** @return the queue's name, unique on this host */
    public String name() {
        return queue.name();
    }

    /** @return whether the broker thread still serves */
    public boolean isOpen() {
        return !closed.get() && thread.isAlive();
    }

    /** Stops serving: drops every connection and releases the socket. Idempotent, thread-safe. */
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
                thread.join(STOP_WAIT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (thread.isAlive() && Thread.currentThread() != thread) {
            LOG.warn("queue broker {} did not stop within {} ms", name(), STOP_WAIT_MILLIS);
        }
        shutdown();
        QueueRegistry.brokerClosed(this);
    }

    private void run() {
        lock.lock();
        try {
            while (!closed.get()) {
                if (turns.parkWhileWaitersRead(parked)) {
                    continue;
                }
                brokerSelecting = true;
                long due = Deadline.earliestNanos(connections.nextHandshakeDeadline(), ledger.nextDeadline());
                lock.unlock();
                try {
                    if (due == 0) {
                        selector.select();
                    } else {
                        selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(due - System.nanoTime())));
                    }
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
                LOG.error("queue broker {} failed; the queue is closed for every process", name(), e);
            }
        } catch (InterruptedException e) {
            LOG.error("queue broker {} was interrupted; the queue is closed for every process", name());
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
     * wait on a condition instead.
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
                connections.accept(listener.channel());
            } else if (key.isReadable()) {
                connections.read((ClientProxy) key.attachment());
            }
        }
        keys.clear();
        runDeferredLocked();
        ledger.tick();
        connections.flushAll();
        if (connections.nextHandshakeDeadline() != 0) {
            connections.expireHandshakes(System.nanoTime());
        }
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
        if (closed.get() || turns.waiterReads() || lock.getHoldCount() != 1 || !maySelectInThisThread()) {
            return false;
        }
        if (brokerSelecting) {
            callerWantsToServe = true;
            return false;
        }
        long due = ledger.nextDeadline();
        if (due != 0) {
            long untilDue = Math.max(0, due - System.nanoTime());
            nanos = nanos < 0 ? untilDue : Math.min(nanos, untilDue);
        }
        turns.waiterStarts();
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
                LOG.error("queue broker {} failed in a taker's thread; the queue is closed for every process", name(), e);
                closed.set(true);
            }
        } finally {
            if (turns.waiterStops() || closed.get()) {
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
            throw new QueueClosedException("queue " + name() + " is closed: the context that created it in this process ("
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
            LedgerPeer peer = ledger.attach(link);
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
     * Sends what the owner's own calls produced for other processes: at once if the caller must not
     * wait, or its previous call ended more than {@link #CALLER_BURST_NANOS} ago (an occasional put,
     * or one of a request/response loop); else by the broker thread, woken for it, so a producer in
     * a tight loop hands over batches.
     *
     * @param urgency how soon the owner needs its output written
     */
    void flushFromCaller(FrameWriter.Urgency urgency) {
        lock.lock();
        try {
            long now = System.nanoTime();
            boolean burst = now - lastCallerFlush <= CALLER_BURST_NANOS;
            lastCallerFlush = now;
            if (closed.get() || !connections.anyOutput()) {
                return;
            }
            if (urgency == FrameWriter.Urgency.NOW || !burst) {
                connections.flushAll();
                lastCallerFlush = System.nanoTime(); // the gap to the next call starts after this write
            } else if (!brokerSelecting && !turns.waiterReads()) {
                connections.flushAll(); // the broker thread is parked: nobody would see a wake-up soon
            } else if (!flushRequested) {
                flushRequested = true;
                selector.wakeup();
            }
        } finally {
            lock.unlock();
        }
    }

    private void shutdown() {
        lock.lock();
        try {
            connections.closeAll();
            Cleanup.closeQuietly(selector);
            Cleanup.closeQuietly(listener);
        } finally {
            lock.unlock();
        }
    }


    @Override
    public String toString() {
        return "QueueBroker[" + name() + ", " + queue.address() + (closed.get() ? ", closed]" : "]");
    }
}
