package dev.multiproc.pipe.queue.internal;

import dev.multiproc.JoinableQueue;
import dev.multiproc.Serializer;
import dev.multiproc.spi.SerializedHandle;

import java.io.Serial;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * A handle of a pipe-transport joinable queue: a {@link PipeQueue} plus taskDone/join, which
 * the broker counts for the queue as a whole (Python's unfinished-tasks counter), so any process
 * may join and taskDone() fails once it is called more often than items were put. A taskDone()
 * for an item this process took costs no round trip. Serializable like {@link PipeQueue}.
 * Thread-safe.
 *
 * @param <E> the item type
 */
public final class PipeJoinableQueue<E> implements JoinableQueue<E>, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
    private final transient QueueClient client;
    private final transient PipeQueue<E> queue;

    /**
     * @param client     this process's client of the queue
     * @param serializer turns items into bytes and back
     */
    public PipeJoinableQueue(QueueClient client, Serializer serializer) {
        this.client = client;
        this.queue = new PipeQueue<>(client, serializer);
    }

    @Override
    public void taskDone() {
        client.taskDone();
    }

    @Override
    public void join() throws InterruptedException {
        client.join(null);
    }

    @Override
    public boolean join(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        return client.join(timeout.isNegative() ? Duration.ZERO : timeout);
    }

    @Override
    public void put(E e) throws InterruptedException {
        queue.put(e);
    }

    @Override
    public boolean offer(E e) {
        return queue.offer(e);
    }

    @Override
    public boolean offer(E e, Duration timeout) throws InterruptedException {
        return queue.offer(e, timeout);
    }

    @Override
    public E take() throws InterruptedException {
        return queue.take();
    }

    @Override
    public E poll() {
        return queue.poll();
    }

    @Override
    public E poll(Duration timeout) throws InterruptedException {
        return queue.poll(timeout);
    }

    @Override
    public int size() {
        return queue.size();
    }

    @Override
    public boolean isEmpty() {
        return queue.isEmpty();
    }

    @Override
    public boolean isFull() {
        return queue.isFull();
    }

    @Override
    public void close() {
        queue.close();
    }

    @Serial
    private Object writeReplace() {
        return SerializedHandle.of(client.queue().toHandle());
    }

    @Override
    public String toString() {
        return "Joinable" + queue;
    }
}
