package dev.multiproc.pipe.queue;

import dev.multiproc.IpcQueue;
import dev.multiproc.JoinableQueue;
import dev.multiproc.pipe.queue.internal.PipeJoinableQueue;
import dev.multiproc.pipe.queue.internal.PipeQueue;
import dev.multiproc.pipe.queue.internal.QueueBroker;
import dev.multiproc.pipe.queue.internal.QueueClient;
import dev.multiproc.pipe.queue.internal.QueueDescriptor;
import dev.multiproc.pipe.queue.internal.QueueRegistry;
import dev.multiproc.spi.ContextServices;
import dev.multiproc.spi.ContextSettings;

/**
 * Creates the queues of the {@code pipe} transport ({@code ctx.queue()}, {@code ctx.joinableQueue()}).
 *
 * <h2>Design</h2>
 * An open socket cannot be handed to another JVM, so a queue is a small <em>broker</em> in the
 * process that creates it: a Unix-domain socket server ({@code multiproc-queue-*.sock} in the
 * context's socket directory) with one selector thread that owns the queue's state. Every process
 * that uses the queue, the creator included, connects to it on first use with one connection per
 * process, and the handle, when serialized, carries only the socket path and the queue's shape.
 * <ul>
 * <li><b>Exactly once, FIFO per producer.</b> The broker keeps one FIFO. It sends an item to one
 *     consumer process, and forgets it only when that process acknowledges that a thread took it;
 *     if the connection drops first (close, crash, SIGKILL) the item goes back to the head. A
 *     consumer process that dies while blocked in {@code take()} loses nothing.</li>
 * <li><b>Streaming.</b> Puts to an unbounded queue are sent without waiting for a reply, many
 *     frames per {@code write(2)}; the broker reads many frames per {@code read(2)}. A process that
 *     is the only consumer is sent up to 256 items ahead of its takes; these are recalled to the
 *     head before any other process is served, so every consumer still sees each producer's items
 *     in order, and an idle consumer never starves a busy one.</li>
 * <li><b>Exact sizes.</b> {@code size()}, {@code isEmpty()}, {@code isFull()} are requests on the
 *     same ordered connection as the caller's puts, answered after them. Items sent ahead to a
 *     consumer count as in the queue until taken.</li>
 * <li><b>Errors stay with the caller.</b> Items are serialized in the calling thread, outside any
 *     lock: an item that cannot be serialized throws {@code SerializationException} and nothing
 *     is sent.</li>
 * <li><b>Bounded queues</b> admit a put while fewer than maxsize items are in the queue (sent-ahead
 *     items included); a put to a bounded queue is a request the broker answers once the item is
 *     in, so back-pressure and timeouts are exact.</li>
 * <li><b>Joinable queues</b> count unfinished tasks in the broker for the whole queue; a process's
 *     taskDone() for an item it took is streamed, any other taskDone() asks the broker, which
 *     refuses one too many with {@code IllegalStateException}.</li>
 * <li><b>Lifetime.</b> {@code close()} ends this process's use only. The broker lives until the
 *     creating context closes (or its JVM exits); then every other process's calls fail with
 *     {@code QueueClosedException} naming the owner process, and blocked takers wake at once.</li>
 * </ul>
 */
public final class PipeQueues {
    private PipeQueues() {
    }

    /**
     * @param services the creating context; the broker is released when it closes
     * @param maxsize  capacity; zero or negative means unbounded
     * @param <E>      item type
     * @return a new queue, hosted by this process
     */
    public static <E> IpcQueue<E> queue(ContextServices services, int maxsize) {
        return new PipeQueue<>(start(services, maxsize, false), services.serializer());
    }

    /**
     * @param services the creating context; the broker is released when it closes
     * @param maxsize  capacity; zero or negative means unbounded
     * @param <E>      item type
     * @return a new joinable queue, hosted by this process
     */
    public static <E> JoinableQueue<E> joinableQueue(ContextServices services, int maxsize) {
        return new PipeJoinableQueue<>(start(services, maxsize, true), services.serializer());
    }

    private static QueueClient start(ContextServices services, int maxsize, boolean joinable) {
        ContextSettings settings = services.settings();
        QueueBroker broker = QueueBroker.start(settings.socketDirectory(), maxsize, joinable, settings.maxFrameBytes());
        services.onClose(() -> QueueRegistry.closeBroker(broker));
        return QueueRegistry.ownerClient(new QueueDescriptor(broker.name(), broker.path(), maxsize, joinable,
                ProcessHandle.current().pid(), settings.maxFrameBytes()), broker);
    }
}
