package dev.multiproc.pipe.queue;

import dev.multiproc.IpcQueue;
import dev.multiproc.JoinableQueue;
import dev.multiproc.pipe.queue.internal.UnixBrokerEndpoints;
import dev.multiproc.spi.ContextServices;
import dev.multiproc.spi.ContextSettings;
import dev.multiproc.spi.broker.QueueBroker;
import dev.multiproc.spi.broker.QueueRegistry;
import dev.multiproc.spi.queue.JoinableQueueHandle;
import dev.multiproc.spi.queue.QueueHandle;

/**
 * Creates the queues of the {@code pipe} transport ({@code ctx.queue()}, {@code ctx.joinableQueue()}):
 * the brokered queue of the core ({@link QueueBroker}) over Unix-domain sockets
 * ({@link UnixBrokerEndpoints}).
 *
 * <h2>Design</h2>
 * An open socket cannot be handed to another JVM, so a queue is a small <em>broker</em> in the
 * process that creates it: a Unix-domain socket server ({@code multiproc-queue-*.sock} in the
 * context's socket directory) with one selector thread ({@code multiproc-queue-broker-*}, daemon)
 * that owns the queue's state, a {@code QueueLedger}. Every other process that uses the queue
 * connects to it on first use, one connection per process shared by all its threads and handles
 * (with a reader thread, {@code multiproc-queue-reader-*}, daemon; a thread waiting in
 * {@code take()} reads the socket itself while the reader thread steps aside, so an item wakes it
 * straight from the socket). The creating process applies its own calls to the ledger in place,
 * under the broker's lock, without a socket hop; a thread of the creating process that waits in
 * {@code take()} serves the broker's sockets itself while it waits (the broker thread steps aside),
 * so it too wakes straight from the socket (only plain platform threads do this; pool and virtual
 * threads wait on a condition, since a selector wait is not a managed block). A handle, when
 * serialized, carries only the socket path, the queue's shape and its serializer, so it
 * can be captured by a lambda, sent to a child, or sent through another queue or a Connection.
 * <ul>
 * <li><b>Exactly once, FIFO per producer.</b> The broker keeps one FIFO and applies each
 *     connection's frames in the order sent. It sends an item to one consumer process and forgets
 *     it only when that process acknowledges that a thread took it; if the connection drops first
 *     (close, crash, SIGKILL) the item goes back to the head. So a consumer process that dies while
 *     blocked in {@code take()} loses nothing. Acknowledgements are batched: they leave with the
 *     process's next request, or within 1 ms; a consumer killed inside that window after
 *     {@code take()} returned has that item delivered again (never lost, at worst twice). A process
 *     that exits normally or closes the queue sends them first.</li>
 * <li><b>Streaming.</b> Puts to an unbounded queue are sent without waiting for a reply, many frames
 *     per {@code write(2)} (the core's coalescing {@code FrameWriter}: an occasional put is written at
 *     once, a burst is gathered and written by the caller or its flusher); the broker reads many
 *     frames per {@code read(2)} and
 *     writes each connection's output with one gathering write per loop. Each consumer process is
 *     sent up to 256 items (at most 1 MiB) ahead of its takes, round-robin between consumers, and
 *     its threads then wait without a request round trip. A thread that waits 1 ms with nothing
 *     arriving asks for an item; if none is ready, the items other consumers hold untaken are
 *     recalled to the head first, so an idle consumer never waits behind a busy one's backlog.
 *     Each consumer sees each producer's items in order.</li>
 * <li><b>Exact sizes.</b> {@code size()}, {@code isEmpty()}, {@code isFull()} are requests on the
 *     same ordered connection as the caller's puts, answered after them. Items sent ahead to a
 *     consumer count as in the queue until taken.</li>
 * <li><b>Errors stay with the caller.</b> Items are serialized in the calling thread, outside any
 *     lock: an item that cannot be serialized throws {@code SerializationException}, one over the
 *     frame limit {@code FrameTooLargeException}, and nothing is sent.</li>
 * <li><b>Bounded queues</b> admit a put while fewer than maxsize items are in the queue (sent-ahead
 *     items included); a put to a bounded queue is a request the broker answers once the item is
 *     in, so back-pressure and timeouts are exact; a timed-out offer is cancelled in the broker.</li>
 * <li><b>Joinable queues</b> count unfinished tasks in the broker for the whole queue (Python's
 *     counter), so any process may {@code join()}. A process's taskDone() for an item it took is
 *     streamed; any other taskDone() asks the broker, which refuses one too many with
 *     {@code IllegalStateException}.</li>
 * <li><b>Lifetime.</b> {@code close()} ends this process's use only (pending puts are applied
 *     first). The broker lives until the creating context closes or its JVM exits; then every
 *     other process's calls, blocked ones included, fail with {@code QueueClosedException} naming
 *     the owner process. Socket files of owners killed without cleanup are removed by the next
 *     broker started in the directory, and by clients that saw their owner die.</li>
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
        return new QueueHandle<>(start(services, maxsize, false), services.serializer());
    }

    /**
     * @param services the creating context; the broker is released when it closes
     * @param maxsize  capacity; zero or negative means unbounded
     * @param <E>      item type
     * @return a new joinable queue, hosted by this process
     */
    public static <E> JoinableQueue<E> joinableQueue(ContextServices services, int maxsize) {
        return new JoinableQueueHandle<>(start(services, maxsize, true), services.serializer());
    }

    private static dev.multiproc.spi.broker.QueueClient start(ContextServices services, int maxsize, boolean joinable) {
        ContextSettings settings = services.settings();
        QueueBroker broker = QueueBroker.start(new UnixBrokerEndpoints(settings), maxsize, joinable,
                settings.maxFrameBytes());
        services.onClose(() -> QueueRegistry.closeBroker(broker));
        return QueueRegistry.ownerClient(broker);
    }
}
