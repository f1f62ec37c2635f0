package dev.multiproc.pipe.internal;

import dev.multiproc.IpcQueue;
import dev.multiproc.JoinableQueue;
import dev.multiproc.Pipe;
import dev.multiproc.pipe.queue.PipeQueues;
import dev.multiproc.spi.Channels;
import dev.multiproc.spi.Cleanup;
import dev.multiproc.spi.ContextServices;
import dev.multiproc.spi.channel.ChannelConnection;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The "pipe" transport's channels for one context: pipes over {@code socketpair(2)}; queues with a
 * broker in the creating process ({@link PipeQueues}). Closing it closes every end it created that is
 * still open in this process (an end that moved to another process is that process's). Thread-safe.
 */
public final class PipeChannels implements Channels {
    private final ContextServices services;
    private final Set<ChannelConnection> ends = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    /** @param services the context's services */
    public PipeChannels(ContextServices services) {
        this.services = services;
    }

    @Override
    public Pipe pipe(boolean duplex) {
        checkOpen();
        ChannelConnection[] pair = PipeEnds.pair(duplex, services.settings().maxFrameBytes(),
                services.serializer(), ends::remove);
        ends.add(pair[0]);
        ends.add(pair[1]);
        if (closed.get()) {
            close(pair);
            checkOpen();
        }
        return new PipeEnds(pair[0], pair[1]);
    }

    @Override
    public <E> IpcQueue<E> queue(int maxsize) {
        checkOpen();
        return PipeQueues.queue(services, maxsize);
    }

    @Override
    public <E> JoinableQueue<E> joinableQueue(int maxsize) {
        checkOpen();
        return PipeQueues.joinableQueue(services, maxsize);
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("the pipe transport's channels of this context are closed");
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            close(ends.toArray(ChannelConnection[]::new));
        }
    }

    private static void close(ChannelConnection... toClose) {
        Cleanup cleanup = new Cleanup();
        for (ChannelConnection end : toClose) {
            cleanup.close(end);
        }
        cleanup.rethrow();
    }
}
