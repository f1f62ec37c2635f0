package dev.multiproc.shm.internal.ring;

import dev.multiproc.IpcQueue;
import dev.multiproc.JoinableQueue;
import dev.multiproc.Pipe;
import dev.multiproc.spi.Channels;
import dev.multiproc.spi.ContextServices;
import dev.multiproc.spi.channel.ChannelConnection;
import dev.multiproc.spi.channel.ContextEnds;
import dev.multiproc.spi.queue.QueueHandle;
import dev.multiproc.shm.internal.queue.ShmByteQueue;
import dev.multiproc.shm.internal.queue.ShmQueues;
import dev.multiproc.spi.Cleanup;

import java.util.ArrayList;
import java.util.List;

/**
 * The "shm" transport's channels for one context: pipes over shared-memory rings
 * ({@link ShmPipes}) and queues of shared-memory slots ({@link ShmQueues}). Closing it closes
 * every end it created that is still here (an end another process took is that process's) and
 * ends every queue it created, in every process. Thread-safe.
 */
public final class ShmChannels implements Channels {
    private final ContextServices services;
    private final ContextEnds ends = new ContextEnds("shm");
    private final List<ShmByteQueue> queues = new ArrayList<>();

    /** @param services the context's services */
    public ShmChannels(ContextServices services) {
        this.services = services;
    }

    @Override
    public Pipe pipe(boolean duplex) {
        ends.checkOpen();
        ends.removeIf(ShmPipes::releaseIfMoved); // ends that other processes took
        ChannelConnection[] pair = ShmPipes.pair(services.settings().shmDirectory(), duplex,
                services.settings().maxFrameBytes(), services.serializer(), services.settings().waits(), ends::gone);
        ends.add(pair);
        return new ShmPipe(pair[0], pair[1]);
    }

    @Override
    public <E> IpcQueue<E> queue(int maxsize) {
        return QueueHandle.of(newQueue(maxsize, false), services.serializer());
    }

    @Override
    @SuppressWarnings("unchecked")
    public <E> JoinableQueue<E> joinableQueue(int maxsize) {
        return (JoinableQueue<E>) QueueHandle.<E>of(newQueue(maxsize, true), services.serializer());
    }

    private ShmByteQueue newQueue(int maxsize, boolean joinable) {
        synchronized (queues) {
            ends.checkOpen();
            ShmByteQueue q = ShmQueues.create(services.settings().shmDirectory(), maxsize, joinable,
                    services.settings().maxFrameBytes(), services.settings().waits());
            queues.add(q);
            return q;
        }
    }

    @Override
    public void close() {
        Cleanup cleanup = new Cleanup();
        cleanup.run(ends::close);
        synchronized (queues) {
            for (ShmByteQueue q : queues) {
                cleanup.run(() -> ShmQueues.closeAsOwner(q));
            }
            queues.clear();
        }
        cleanup.rethrow();
    }
}
