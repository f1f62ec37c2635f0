package dev.multiproc.spi.broker;

import dev.multiproc.QueueClosedException;
import dev.multiproc.spi.broker.PendingReplies.Asked;
import dev.multiproc.spi.broker.PendingReplies.Reply;
import dev.multiproc.spi.frame.FrameCodec;
import dev.multiproc.spi.frame.FrameWriter.Urgency;
import dev.multiproc.spi.log.Log;
import dev.multiproc.spi.queue.ByteQueue;
import dev.multiproc.spi.wait.Deadline;
import dev.multiproc.wire.HandleDescriptor;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;

/**
 * One process's connection to a queue's broker, shared by every handle of that queue in the
 * process and by all its threads. Thread-safe. Works on serialized items: the handle serializes
 * in the caller's thread before anything here runs, and deserializes after.
 *
 * <p>In another process than the owner it reaches the broker through a {@link RemoteLink} (one
 * socket and a reader thread); in the owner process through a {@link LocalLink} that applies each
 * request to the broker's ledger in place, under the broker's lock, which is then also this
 * client's lock. Items the broker sends wait in the {@link ItemInbox} until a thread takes them; a
 * take acknowledges its item and only then is it gone from the queue. Requests waiting for an
 * answer are the {@link PendingReplies}. Puts to an unbounded queue are streamed without waiting for a reply;
 * puts to a bounded queue, size, poll, join and taskDone-without-backing are requests answered
 * by the broker after everything this process sent before them, hence exact. Whatever a remote
 * client framed and had not yet written, and the count of items its takes returned, are kept in
 * its {@link QueueJournal} in shared memory, which the broker reads when the connection ends: a
 * put that returned is not lost and a taken item is not delivered again when this process is
 * killed.
 *
 * <p>The connection opens on first use, so a handle that merely passes through a process costs
 * nothing there. It is closed by {@link #close()} (this process is done with the queue), by the
 * JVM shutdown hook (which first makes sure the broker has applied every put, so a producer that
 * returns from its last put and exits loses nothing), or when the broker goes away, after which
 * every call fails with a {@link QueueClosedException} naming the owner process.
 */
public final class QueueClient implements ByteQueue {
    private static final Log LOG = Log.of(QueueClient.class);
    private static final Duration CLOSE_SYNC_TIMEOUT = Duration.ofSeconds(5);

    private final QueueDescriptor queue;
    private final BrokerEndpoints endpoints;
    private final ReentrantLock lock;
    private final Condition itemArrived;
    private final PendingReplies replies = new PendingReplies();
    private final ItemInbox inbox;
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
        this.inbox = new ItemInbox(this, lock, itemArrived);
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
        this.inbox = new ItemInbox(this, lock, itemArrived);
        this.link = broker.attachLocal(this);
    }

    /** @return the lock guarding this client's state (a link that serves in a caller's thread releases it meanwhile) */
    ReentrantLock lock() {
        return lock;
    }

    /** @return the requests waiting for the broker's answers */
    PendingReplies replies() {
        return replies;
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
        awaitOrCancel(ask(out, id -> out.put(QueueFrames.PUT_WAIT, id, item)), -1);
    }

    @Override
    public boolean offer(byte[] item, Deadline deadline) throws InterruptedException {
        if (!queue.bounded()) {
            put(item);
            return true;
        }
        FrameCodec.checkLength(item.length, queue.maxFrameBytes());
        BrokerLink out = connected();
        long nanos = deadline.isTimed() ? deadline.remainingNanos() : -1;
        if (nanos == 0) {
            Asked asked = ask(out, id -> out.put(QueueFrames.PUT_NOWAIT, id, item));
            return PendingReplies.awaitUninterruptibly(asked.reply()).status() == QueueFrames.OK;
        }
        return awaitOrCancel(ask(out, id -> out.put(QueueFrames.PUT_WAIT, id, item)), nanos).status() == QueueFrames.OK;
    }

    // ---------------------------------------------------------------- consuming

    @Override
    public byte[] take(Deadline timeout) throws InterruptedException {
        return inbox.take(connected(), timeout);
    }

    // ---------------------------------------------------------------- queries and tasks

    @Override
    public long size() {
        BrokerLink out = connected();
        return PendingReplies.awaitUninterruptibly(ask(out, id -> out.longCommand(QueueFrames.SIZE, id)).reply()).value();
    }

    @Override
    public void taskDone() {
        BrokerLink out = connected();
        boolean backed;
        boolean moreHere;
        lock.lock();
        try {
            checkUsableLocked();
            backed = inbox.spendTaskCreditLocked();
            moreHere = inbox.holdsItemsLocked();
            if (backed) {
                out.intCommand(QueueFrames.TASK_DONE, 1);
            }
        } finally {
            lock.unlock();
        }
        if (backed) {
            // While items wait here no join() can return (they are unfinished), so this one goes
            // with the next write (the taskDone() of the last of them, or the flusher within 1 ms); a consumer
            // working through a backlog then costs no system call per item.
            out.flush(moreHere ? Urgency.LATER : Urgency.BURST);
            return;
        }
        PendingReplies.awaitUninterruptibly(ask(out, id -> out.longCommand(QueueFrames.DONE_CHECK, id)).reply());
    }

    @Override
    public boolean join(Deadline timeout) throws InterruptedException {
        BrokerLink out = connected();
        long nanos = timeout.isTimed() ? timeout.remainingNanos() : -1;
        return awaitOrCancel(ask(out, id -> out.longCommand(QueueFrames.JOIN, id)), nanos).status() == QueueFrames.OK;
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
                long id = replies.next();
                CompletableFuture<Reply> reply = replies.expect(id, () -> null);
                try {
                    out.longCommand(QueueFrames.SYNC, id);
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
        replies.failAll(closedException());
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

    /** @throws RuntimeException if the queue is closed here, its broker is gone, or a taskDone() failed */
    void checkUsableLocked() {
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
                try {
                    link = RemoteLink.connect(this, endpoints);
                } catch (IOException e) {
                    failure = ownerGone("cannot connect to " + queue.address() + " (" + e + ")");
                    throw failure;
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
        replies.failAll(failure);
    }

    /** @return why no request may be sent now (closed here, or the broker is gone), or null */
    RuntimeException goneOrNull() {
        return closed ? closedException() : failure;
    }

    /** A request sent to the broker, and its answer to come. */
    private Asked ask(BrokerLink out, LongConsumer send) {
        return replies.ask(out, send, this::goneOrNull);
    }

    private Reply awaitOrCancel(Asked asked, long nanos) throws InterruptedException {
        return replies.awaitOrCancel(asked, nanos, () -> link);
    }

    // ---------------------------------------------------------------- the broker's answers

    /** An item arrived (called by the link). */
    void onItem(byte kind, byte[] item) {
        inbox.onItem(kind, item);
    }

    /** The broker thread stopped serving so that a waiting taker serves instead (called by the link). */
    void onServeFree() {
        inbox.onServeFree();
    }

    /** A request was answered (called by the link). */
    void onReply(long id, byte status, long value) {
        replies.complete(id, status, value);
    }

    /** The broker wants back the items held here and not handed out (called by the link). */
    void onRecall() {
        inbox.onRecall(link);
    }

    /** Another process's taskDone() used up some of this process's backing (called by the link). */
    void onRevoke(int n) {
        inbox.onRevoke(n);
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
            replies.fail(id, message);
        }
    }

    @Override
    public String toString() {
        return "QueueClient[" + queue.name() + (closed ? ", closed]" : "]");
    }
}
