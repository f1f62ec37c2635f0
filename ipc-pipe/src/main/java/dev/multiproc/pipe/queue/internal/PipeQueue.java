package dev.multiproc.pipe.queue.internal;

import dev.multiproc.IpcQueue;
import dev.multiproc.Serializer;
import dev.multiproc.spi.SerializedHandle;

import java.io.Serial;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * A handle of a pipe-transport queue: serializes items in the caller's thread (so an item that
 * cannot be serialized fails the call and nothing is sent) and hands the bytes to this process's
 * {@link QueueClient}. Serializable: it writes its {@link QueueDescriptor} and re-attaches in the
 * process that reads it. Thread-safe.
 *
 * @param <E> the item type
 */
public final class PipeQueue<E> implements IpcQueue<E>, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
    private final transient QueueClient client;
    private final transient Serializer serializer;

    /**
     * @param client     this process's client of the queue
     * @param serializer turns items into bytes and back
     */
    public PipeQueue(QueueClient client, Serializer serializer) {
        this.client = client;
        this.serializer = serializer;
    }

    byte[] serialize(E e) {
        Objects.requireNonNull(e, "queue items must not be null (poll() returns null for an empty queue)");
        return serializer.serialize(e);
    }

    E deserialize(byte[] item) {
        return item == null ? null : serializer.deserialize(item);
    }

    @Override
    public void put(E e) throws InterruptedException {
        client.put(serialize(e));
    }

    @Override
    public boolean offer(E e) {
        byte[] item = serialize(e);
        try {
            return client.offer(item, Duration.ZERO);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false; // offer without a timeout does not wait; unreachable in practice
        }
    }

    @Override
    public boolean offer(E e, Duration timeout) throws InterruptedException {
        return client.offer(serialize(e), Objects.requireNonNull(timeout, "timeout"));
    }

    @Override
    public E take() throws InterruptedException {
        return deserialize(client.take(null));
    }

    @Override
    public E poll() {
        try {
            return deserialize(client.take(Duration.ZERO));
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return null; // poll() does not wait; unreachable in practice
        }
    }

    @Override
    public E poll(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        return deserialize(client.take(timeout.isNegative() ? Duration.ZERO : timeout));
    }

    @Override
    public int size() {
        return (int) Math.min(Integer.MAX_VALUE, client.size());
    }

    @Override
    public boolean isEmpty() {
        return client.size() == 0;
    }

    @Override
    public boolean isFull() {
        return client.queue().bounded() && client.size() >= client.queue().maxsize();
    }

    @Override
    public void close() {
        client.close();
    }

    @Serial
    private Object writeReplace() {
        return SerializedHandle.of(client.queue().toHandle());
    }

    @Override
    public String toString() {
        QueueDescriptor q = client.queue();
        return "IpcQueue[pipe, " + q.name() + (q.bounded() ? ", maxsize " + q.maxsize() : "")
                + (client.isClosed() ? ", closed]" : "]");
    }
}
