package dev.multiproc.spi.queue;

import dev.multiproc.IpcQueue;
import dev.multiproc.Serializer;
import dev.multiproc.spi.SerializedHandle;
import dev.multiproc.spi.Serializers;
import dev.multiproc.spi.wait.Deadline;

import java.io.Serial;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * The one {@link IpcQueue} of every transport, over the transport's {@link ByteQueue}: items are
 * serialized in the caller's thread before the queue sees them (an item that cannot be serialized
 * fails the call and nothing is sent) and read back after. Serializable: it writes the queue's
 * descriptor and its serializer, and re-attaches in the process that reads it. Thread-safe.
 *
 * @param <E> the item type
 */
public class QueueHandle<E> implements IpcQueue<E>, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
    private final transient ByteQueue queue;
    private final transient Serializer serializer;

    /**
     * @param queue      the transport's queue
     * @param serializer turns items into bytes and back
     */
    public QueueHandle(ByteQueue queue, Serializer serializer) {
        this.queue = Objects.requireNonNull(queue, "queue");
        this.serializer = Objects.requireNonNull(serializer, "serializer");
    }

    /**
     * @param queue      a transport's queue
     * @param serializer its items' serializer
     * @param <E>        item type
     * @return a {@link dev.multiproc.JoinableQueue} handle if the queue is joinable, else a plain one
     */
    public static <E> QueueHandle<E> of(ByteQueue queue, Serializer serializer) {
        return queue.joinable() ? new JoinableQueueHandle<>(queue, serializer) : new QueueHandle<>(queue, serializer);
    }

    /** @return the transport's queue */
    protected final ByteQueue queue() {
        return queue;
    }

    private byte[] serialize(E e) {
        Objects.requireNonNull(e, "queue items must not be null (poll() returns null for an empty queue)");
        return serializer.serialize(e);
    }

    private E deserialize(byte[] item) {
        return item == null ? null : serializer.deserialize(item, 0, item.length);
    }

    @Override
    public void put(E e) throws InterruptedException {
        queue.put(serialize(e));
    }

    @Override
    public boolean offer(E e) {
        byte[] item = serialize(e);
        try {
            return queue.offer(item, Deadline.now());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false; // an offer that does not wait is not interrupted; kept for the contract
        }
    }

    @Override
    public boolean offer(E e, Duration timeout) throws InterruptedException {
        return queue.offer(serialize(e), Deadline.after(Objects.requireNonNull(timeout, "timeout")));
    }

    @Override
    public E take() throws InterruptedException {
        return deserialize(queue.take(Deadline.never()));
    }

    @Override
    public E poll() {
        try {
            return deserialize(queue.take(Deadline.now()));
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return null; // a poll that does not wait is not interrupted; kept for the contract
        }
    }

    @Override
    public E poll(Duration timeout) throws InterruptedException {
        return deserialize(queue.take(Deadline.after(Objects.requireNonNull(timeout, "timeout"))));
    }

    @Override
    public int size() {
        return (int) Math.min(Integer.MAX_VALUE, queue.size());
    }

    @Override
    public boolean isEmpty() {
        return queue.size() == 0;
    }

    @Override
    public boolean isFull() {
        return queue.maxsize() > 0 && queue.size() >= queue.maxsize();
    }

    @Override
    public void close() {
        queue.close();
    }

    /** @return the handle written in place of this one when it is serialized */
    @Serial
    protected final Object writeReplace() {
        return SerializedHandle.of(Serializers.describe(queue.describe(), serializer).build());
    }

    @Override
    public String toString() {
        return "IpcQueue[" + queue.name() + (queue.maxsize() > 0 ? ", maxsize " + queue.maxsize() : "")
                + (queue.isClosed() ? ", closed]" : "]");
    }
}
