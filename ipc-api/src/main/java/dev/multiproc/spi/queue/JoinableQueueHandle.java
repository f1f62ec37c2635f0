package dev.multiproc.spi.queue;

import dev.multiproc.JoinableQueue;
import dev.multiproc.Serializer;
import dev.multiproc.spi.wait.Deadline;

import java.io.Serial;
import java.time.Duration;
import java.util.Objects;

/**
 * The one {@link JoinableQueue} of every transport: a {@link QueueHandle} plus taskDone/join,
 * which the transport's queue counts for the queue as a whole (Python's unfinished-tasks counter),
 * so any process may join. Thread-safe.
 *
 * @param <E> the item type
 */
public final class JoinableQueueHandle<E> extends QueueHandle<E> implements JoinableQueue<E> {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * @param queue      the transport's queue, joinable
     * @param serializer turns items into bytes and back
     */
    public JoinableQueueHandle(ByteQueue queue, Serializer serializer) {
        super(queue, serializer);
        if (!queue.joinable()) {
            throw new IllegalArgumentException("queue " + queue.name() + " is not joinable");
        }
    }

    @Override
    public void taskDone() {
        queue().taskDone();
    }

    @Override
    public void join() throws InterruptedException {
        queue().join(Deadline.never());
    }

    @Override
    public boolean join(Duration timeout) throws InterruptedException {
        return queue().join(Deadline.after(Objects.requireNonNull(timeout, "timeout")));
    }

    @Override
    public String toString() {
        return "Joinable" + super.toString();
    }
}
