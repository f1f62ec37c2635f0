package dev.multiproc.spi.broker;

import dev.multiproc.QueueClosedException;
import dev.multiproc.spi.frame.FrameCodec;
import dev.multiproc.spi.frame.FrameWriter.Urgency;
import dev.multiproc.spi.queue.ByteQueue;
import dev.multiproc.spi.wait.Deadline;
import dev.multiproc.wire.HandleDescriptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One process's connection to a queue's broker, shared by every handle of that queue in the
 * process and by all its threads. Thread-safe. Works on serialized items: the handle serializes
 * in the caller's thread before anything here runs, and deserializes after.
 *
 * <p>In another process than the owner it reaches the broker through a {@link RemoteLink} (one
 * socket, a reader and a writer thread); in the owner process through a {@link LocalLink} that
 * applies each request to the broker's ledger in place, under the broker's lock, which is then
 * also this client's lock. Items the broker sends wait in a local FIFO
 * until a thread takes them; a take acknowledges its item (lazily, batched) and only then is it
 * gone from the queue. Puts to an unbounded queue are streamed without waiting for a reply;
 * puts to a bounded queue, size, poll, join and taskDone-without-backing are requests answered
 * by the broker after everything this process sent before them, hence exact.
 *
 * <p>The connection opens on first use, so a handle that merely passes through a process costs
 * nothing there. It is closed by {@link #close()} (this process is done with the queue), by the
 * JVM shutdown hook (which first makes sure the broker has applied every put, so a producer that
 * returns from its last put and exits loses nothing), or when the broker goes away, after which
 * every call fails with a {@link QueueClosedException} naming the owner process.
 */
public final class QueueClient implements ByteQueue {
    private static final Logger LOG = LoggerFactory.getLogger(QueueClient.class);
    private static final Duration CLOSE_SYNC_TIMEOUT = Duration.ofSeconds(5);

    /** A broker's answer to one request. */
    private record Reply(byte status, long value) {
    }

    private final QueueDescriptor queue;
    private final BrokerEndpoints endpoints;
    private final ReentrantLock lock;
    private final Condition itemArrived;
    private final ArrayDeque<byte[]> items = new ArrayDeque<>();
    private final Map<Long, CompletableFuture<Reply>> replies = new ConcurrentHashMap<>();
    private final AtomicLong requestIds = new AtomicLong();
    private int waiters;
    private int demandOut;
    private boolean prefetchSent;
    /** The broker sends this process items ahead (until PUSH_OFF): waiting needs no DEMAND. */
    private boolean pushed;
    private long taskCredit;
    private String asyncError;
    private volatile boolean closed;
    private volatile RuntimeException failure;
    private volatile BrokerLink link;

    /**
     * @param queue     the queue, whose broker lives in another process; connects on first use
     * @param endpoints how its transport connects to the broker
     */
    public QueueClient(QueueDescriptor queue, BrokerEndpoints endpoints) {
        this.queue = queue;
        this.endpoints = endpoints;
        this.lock = new ReentrantLock();
        this.itemArrived = lock.newCondition();
    }

    /**
     * A client in the process that hosts the broker.
     *
     * @param queue  the queue
     * @param broker its broker, in this process
     */
    QueueClient(QueueDescriptor queue, QueueBroker broker) {
        this.queue = queue;
        this.endpoints = null;
        this.lock = broker.lock();
        this.itemArrived = lock.newCondition();
        this.link = broker.attachLocal(this);
    }

    /** @return the lock guarding this client's state (a link that serves in a caller's thread releases it meanwhile) */
    ReentrantLock lock() {
        return lock;
    }

    /** @return the queue this client serves */
    public QueueDescriptor queue() {
        return queue;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public String name() {
        return queue.name();
    }

    @Override
    public int maxsize() {
        return queue.maxsize();
    }

    @Override
    public boolean joinable() {
        return queue.joinable();
    }

    @Override
    public int maxItemBytes() {
        return queue.maxFrameBytes();
    }

    @Override
    public HandleDescriptor.Builder describe() {
        return queue.toHandle();
    }

    // ---------------------------------------------------------------- producing

    /**
     * Adds an item, waiting while a bounded queue is full.
     *
     * @param item serialized item
     * @throws InterruptedException if interrupted while waiting (the item was not added)
     * @throws dev.multiproc.FrameTooLargeException if the item is over the queue's frame limit; nothing is sent
     */
    @Override
    public void put(byte[] item) throws InterruptedException {
        FrameCodec.checkLength(item.length, queue.maxFrameBytes());
        BrokerLink out = connected();
        if (!queue.bounded()) {
            out.put(QueueFrames.PUT_ASYNC, 0, item);
            out.flush(Urgency.BURST);
            checkUsable();
            return;
        }
        long id = requestIds.incrementAndGet();
        CompletableFuture<Reply> reply = expect(id);
        out.put(QueueFrames.PUT_WAIT, id, item);
        out.flush(Urgency.NOW);
        try {
            await(reply, -1);
        } catch (InterruptedException e) {
            if (cancel(id, reply).status == QueueFrames.OK) {
                Thread.currentThread().interrupt(); // it went in before the cancel: report success
                return;
            }
            throw e;
        }
    }

    @Override
    public boolean offer(byte[] item, Deadline deadline) throws InterruptedException {
        if (!queue.bounded()) {
            put(item);
            return true;
        }
        FrameCodec.checkLength(item.length, queue.maxFrameBytes());
        BrokerLink out = connected();
        long id = requestIds.incrementAndGet();
        CompletableFuture<Reply> reply = expect(id);
        long nanos = deadline.isTimed() ? deadline.remainingNanos() : -1;
        out.put(nanos == 0 ? QueueFrames.PUT_NOWAIT : QueueFrames.PUT_WAIT, id, item);
        out.flush(Urgency.NOW);
        if (nanos == 0) {
            return awaitUninterruptibly(reply).status == QueueFrames.OK;
        }
        try {
            Reply r = await(reply, nanos);
            if (r != null) {
                return r.status == QueueFrames.OK;
            }
        } catch (InterruptedException e) {
            if (cancel(id, reply).status == QueueFrames.OK) {
                Thread.currentThread().interrupt();
                return true;
            }
            throw e;
        }
        return cancel(id, reply).status == QueueFrames.OK;
    }

    // ---------------------------------------------------------------- consuming

    @Override
    public byte[] take(Deadline timeout) throws InterruptedException {
        BrokerLink out = connected();
        if (timeout.isExpired()) {
            return pollNow(out);
        }
        long nanos = timeout.isTimed() ? timeout.remainingNanos() : -1;
        long deadline = System.nanoTime() + nanos;
        byte[] item;
        lock.lockInterruptibly();
        try {
            if (!prefetchSent) {
                prefetchSent = true;
                out.prefetch(BrokerProxy.PREFETCH_TARGET);
            }
            while (true) {
                checkUsableLocked();
                item = items.pollFirst();
                if (item != null) {
                    takenLocked(out);
                    // served by an item sent ahead: the broker must not keep a demand for this thread;
                    // telling it lazily is enough, since an item it still sends for that demand becomes
                    // parked here, which the broker recalls when another process needs one
                    withdrawExcessDemandLocked(out, Urgency.LATER);
                    break;
                }
                long left = nanos < 0 ? Long.MAX_VALUE : deadline - System.nanoTime();
                if (left <= 0) {
                    withdrawExcessDemandLocked(out);
                    break;
                }
                waiters++;
                try {
                    if (!pushed && waiters > demandOut) {
                        int more = waiters - demandOut;
                        demandOut = waiters;
                        out.demand(more);
                        out.flush(Urgency.NOW);
                        if (!items.isEmpty()) { // an in-process broker answers in place
                            waiters--;
                            continue;
                        }
                    }
                    if (out.serveWhileWaiting(nanos < 0 ? -1 : left)) {
                        // this thread served the broker's connections itself (owner process)
                        if (Thread.interrupted()) {
                            throw new InterruptedException("interrupted while waiting for an item of queue " + queue.name());
                        }
                    } else if (nanos < 0) {
                        itemArrived.await();
                    } else {
                        itemArrived.awaitNanos(left);
                    }
                } catch (InterruptedException e) {
                    waiters--;
                    if (!items.isEmpty()) {
                        itemArrived.signal(); // pass on a wake-up this thread may have consumed
                    }
                    withdrawExcessDemandLocked(out);
                    throw e;
                }
                waiters--;
            }
        } finally {
            lock.unlock();
        }
        out.flush(Urgency.LATER);
        return item;
    }

    private byte[] pollNow(BrokerLink out) {
        lock.lock();
        try {
            checkUsableLocked();
            byte[] item = items.pollFirst();
            if (item != null) {
                takenLocked(out);
                return item;
            }
        } finally {
            lock.unlock();
        }
        long id = requestIds.incrementAndGet();
        CompletableFuture<Reply> reply = expect(id);
        out.poll(id);
        out.flush(Urgency.NOW);
        awaitUninterruptibly(reply);
        lock.lock();
        try {
            byte[] item = items.pollFirst();
            if (item != null) {
                takenLocked(out);
            }
            return item;
        } finally {
            lock.unlock();
            out.flush(Urgency.LATER);
        }
    }

    private void takenLocked(BrokerLink out) {
        out.ack();
        if (queue.joinable()) {
            taskCredit++;
        }
    }

    /** Tells the broker that fewer threads wait than it was told. */
    private void withdrawExcessDemandLocked(BrokerLink out) {
        withdrawExcessDemandLocked(out, Urgency.NOW);
    }

    private void withdrawExcessDemandLocked(BrokerLink out, Urgency urgency) {
        int excess = demandOut - waiters;
        if (excess > 0) {
            demandOut = waiters;
            out.demand(-excess);
            out.flush(urgency);
        }
    }

    // ---------------------------------------------------------------- queries and tasks

    @Override
    public long size() {
        BrokerLink out = connected();
        long id = requestIds.incrementAndGet();
        CompletableFuture<Reply> reply = expect(id);
        out.size(id);
        out.flush(Urgency.NOW);
        return awaitUninterruptibly(reply).value;
    }

    @Override
    public void taskDone() {
        BrokerLink out = connected();
        boolean backed;
        lock.lock();
        try {
            checkUsableLocked();
            backed = taskCredit > 0;
            if (backed) {
                taskCredit--;
                out.taskDone(1);
            }
        } finally {
            lock.unlock();
        }
        if (backed) {
            out.flush(Urgency.BURST);
            return;
        }
        long id = requestIds.incrementAndGet();
        CompletableFuture<Reply> reply = expect(id);
        out.doneCheck(id);
        out.flush(Urgency.NOW);
        awaitUninterruptibly(reply);
    }

    @Override
    public boolean join(Deadline timeout) throws InterruptedException {
        BrokerLink out = connected();
        long id = requestIds.incrementAndGet();
        CompletableFuture<Reply> reply = expect(id);
        out.join(id);
        out.flush(Urgency.NOW);
        long nanos = timeout.isTimed() ? timeout.remainingNanos() : -1;
        try {
            if (await(reply, nanos) != null) {
                return true;
            }
        } catch (InterruptedException e) {
            cancel(id, reply);
            throw e;
        }
        return cancel(id, reply).status == QueueFrames.OK;
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * This process is done with the queue: waits (boundedly) until the broker has applied all it
     * sent, then disconnects. Items delivered here and not taken go back to the head of the queue.
     * Threads blocked in this process fail with {@link QueueClosedException}. Idempotent.
     */
    @Override
    public void close() {
        BrokerLink out;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            itemArrived.signalAll();
            out = link;
        } finally {
            lock.unlock();
        }
        if (out != null) {
            if (failure == null) {
                long id = requestIds.incrementAndGet();
                CompletableFuture<Reply> reply = new CompletableFuture<>();
                replies.put(id, reply);
                try {
                    out.sync(id);
                    out.flush(Urgency.NOW);
                    reply.get(CLOSE_SYNC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (ExecutionException | TimeoutException | QueueClosedException e) {
                    LOG.debug("queue {}: broker did not confirm before close: {}", queue.name(), e.toString());
                }
            }
            out.close();
        }
        failPending(closedException());
    }

    private QueueClosedException closedException() {
        return new QueueClosedException("queue " + queue.name() + " was closed in this process ("
                + ProcessHandle.current().pid() + ")");
    }

    private QueueClosedException ownerGone(String why) {
        return new QueueClosedException("queue " + queue.name() + " is gone: " + why
                + "; its broker lived in process " + queue.ownerPid()
                + ", which created the queue and has since exited or closed its context");
    }

    private void checkUsable() {
        if (closed) {
            throw closedException();
        }
        RuntimeException f = failure;
        if (f != null) {
            throw f;
        }
    }

    private void checkUsableLocked() {
        checkUsable();
        if (asyncError != null) {
            String e = asyncError;
            asyncError = null;
            throw new IllegalStateException(e);
        }
    }

    /** @return the link to the broker, connecting on first use */
    private BrokerLink connected() {
        checkUsable();
        BrokerLink l = link;
        if (l != null) {
            return l;
        }
        lock.lock();
        try {
            checkUsable();
            if (link == null) {
                // An interrupt would abort the connect and close the channel: it is set aside and
                // given back to the caller, and a connect it aborted midway is tried again.
                boolean interrupted = Thread.interrupted();
                try {
                    while (link == null) {
                        try {
                            link = new RemoteLink(this, endpoints);
                        } catch (ClosedByInterruptException e) {
                            interrupted |= Thread.interrupted();
                        }
                    }
                } catch (IOException e) {
                    failure = ownerGone("cannot connect to " + queue.address() + " (" + e + ")");
                    throw failure;
                } finally {
                    if (interrupted) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
            return link;
        } finally {
            lock.unlock();
        }
    }

    /** The connection to the broker is gone (called by the link). */
    void onDisconnected(String why) {
        if (!closed) {
            brokerGone(ownerGone(why));
        }
    }

    private void brokerGone(RuntimeException why) {
        if (endpoints != null) {
            endpoints.brokerGone(queue.address(), queue.ownerPid());
        }
        lock.lock();
        try {
            if (failure == null) {
                failure = why;
            }
            itemArrived.signalAll();
        } finally {
            lock.unlock();
        }
        failPending(failure);
    }

    private void failPending(RuntimeException why) {
        for (Long id : replies.keySet()) {
            CompletableFuture<Reply> f = replies.remove(id);
            if (f != null) {
                f.completeExceptionally(why);
            }
        }
    }

    // ---------------------------------------------------------------- replies

    private CompletableFuture<Reply> expect(long id) {
        CompletableFuture<Reply> f = new CompletableFuture<>();
        replies.put(id, f);
        RuntimeException gone = closed ? closedException() : failure;
        if (gone != null) {
            replies.remove(id);
            throw gone;
        }
        return f;
    }

    /** @return the reply, or null after nanos (negative: no limit) */
    private Reply await(CompletableFuture<Reply> reply, long nanos) throws InterruptedException {
        try {
            return nanos < 0 ? reply.get() : reply.get(nanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            throw rethrow(e);
        }
    }

    private Reply awaitUninterruptibly(CompletableFuture<Reply> reply) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return reply.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    throw rethrow(e);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static RuntimeException rethrow(ExecutionException e) {
        if (e.getCause() instanceof IllegalStateException ise) {
            return new IllegalStateException(ise.getMessage(), ise);
        }
        if (e.getCause() instanceof QueueClosedException qce) {
            return new QueueClosedException(qce.getMessage(), qce);
        }
        return new IllegalStateException(e.getCause());
    }

    /** Cancels a waiting request and returns its final answer (OK if it had already succeeded). */
    private Reply cancel(long id, CompletableFuture<Reply> reply) {
        BrokerLink out = link;
        out.cancel(id);
        out.flush(Urgency.NOW);
        return awaitUninterruptibly(reply);
    }

    // ---------------------------------------------------------------- the broker's answers

    /** An item arrived (called by the link). */
    void onItem(byte kind, byte[] item) {
        lock.lock();
        try {
            if (kind == QueueFrames.ITEM_DEMANDED && demandOut > 0) {
                demandOut--;
            } else if (kind == QueueFrames.ITEM_SPECULATIVE) {
                pushed = true;
            }
            items.addLast(item);
            itemArrived.signal();
        } finally {
            lock.unlock();
        }
    }

    /** The broker thread stopped serving so that a waiting taker serves instead (called by the link). */
    void onServeFree() {
        lock.lock();
        try {
            if (waiters > 0) {
                itemArrived.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** A request was answered (called by the link). */
    void onReply(long id, byte status, long value) {
        CompletableFuture<Reply> f = replies.remove(id);
        if (f != null) {
            f.complete(new Reply(status, value));
        }
    }

    /** The broker wants back the items held here and not handed out (called by the link). */
    void onRecall() {
        BrokerLink out = link;
        lock.lock();
        try {
            int held = items.size();
            items.clear();
            out.returned(held);
            if (waiters > demandOut) {
                out.demand(waiters - demandOut);
                demandOut = waiters;
            }
        } finally {
            lock.unlock();
        }
        out.flush(Urgency.NOW);
    }

    /** Items are no longer sent ahead: waiting threads must ask for theirs (called by the link). */
    void onPushOff() {
        BrokerLink out = link;
        lock.lock();
        try {
            pushed = false;
            if (waiters > demandOut) {
                out.demand(waiters - demandOut);
                demandOut = waiters;
            }
        } finally {
            lock.unlock();
        }
        out.flush(Urgency.NOW);
    }

    /** Another process's taskDone() used up some of this process's backing (called by the link). */
    void onRevoke(int n) {
        lock.lock();
        try {
            taskCredit = Math.max(0, taskCredit - n);
        } finally {
            lock.unlock();
        }
    }

    /** A request failed, or (id 0) an earlier taskDone() was one too many (called by the link). */
    void onError(long id, String message) {
        if (id == 0) {
            LOG.warn("queue {}: {}", queue.name(), message);
            lock.lock();
            try {
                asyncError = message;
            } finally {
                lock.unlock();
            }
        } else {
            CompletableFuture<Reply> f = replies.remove(id);
            if (f != null) {
                f.completeExceptionally(new IllegalStateException(message));
            }
        }
    }

    @Override
    public String toString() {
        return "QueueClient[" + queue.name() + (closed ? ", closed]" : "]");
    }
}
