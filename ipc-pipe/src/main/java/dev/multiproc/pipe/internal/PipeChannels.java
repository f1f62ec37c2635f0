package dev.multiproc.pipe.internal;

import dev.multiproc.IpcQueue;
import dev.multiproc.JoinableQueue;
import dev.multiproc.Pipe;
import dev.multiproc.pipe.queue.PipeQueues;
import dev.multiproc.spi.Channels;
import dev.multiproc.spi.ContextServices;
import dev.multiproc.spi.channel.ChannelConnection;
import dev.multiproc.spi.channel.ContextEnds;

/**
 * The "pipe" transport's channels for one context: pipes over {@code socketpair(2)}; queues with a
 * broker in the creating process ({@link PipeQueues}). Closing it closes every end it created that is
 * still open in this process (an end that moved to another process is that process's). Thread-safe.
 */
public final class PipeChannels implements Channels {
    private final ContextServices services;
    private final ContextEnds ends = new ContextEnds("pipe");

    /** @param services the context's services */
    public PipeChannels(ContextServices services) {
        this.services = services;
    }

    @Override
    public Pipe pipe(boolean duplex) {
        ends.checkOpen();
        ChannelConnection[] pair = PipeEnds.pair(duplex, services.settings().maxFrameBytes(),
                services.serializer(), ends::gone);
        ends.add(pair);
        return new PipeEnds(pair[0], pair[1]);
    }

    @Override
    public <E> IpcQueue<E> queue(int maxsize) {
        ends.checkOpen();
        return PipeQueues.queue(services, maxsize);
    }

    @Override
    public <E> JoinableQueue<E> joinableQueue(int maxsize) {
        ends.checkOpen();
        return PipeQueues.joinableQueue(services, maxsize);
    }

    @Override
    public void close() {
        ends.close();
    }
}
