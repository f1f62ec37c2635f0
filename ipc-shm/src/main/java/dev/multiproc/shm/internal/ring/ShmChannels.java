package dev.multiproc.shm.internal.ring;

import dev.multiproc.IpcQueue;
import dev.multiproc.JoinableQueue;
import dev.multiproc.Pipe;
import dev.multiproc.spi.Channels;
import dev.multiproc.spi.ContextServices;
import dev.multiproc.spi.channel.ChannelConnection;
import dev.multiproc.spi.channel.ContextEnds;

/**
 * The "shm" transport's channels for one context: pipes over shared-memory rings
 * ({@link ShmPipes}); queues borrowed from the "pipe" transport of the same context. Closing it
 * closes every end it created that is still here (an end another process took is that process's).
 * Thread-safe.
 */
public final class ShmChannels implements Channels {
    /** The transport whose queues an "shm" context uses for now. */
    static final String QUEUE_TRANSPORT = "pipe";
    private final ContextServices services;
    private final ContextEnds ends = new ContextEnds("shm");

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
        ends.checkOpen();
        return services.channels(QUEUE_TRANSPORT).queue(maxsize);
    }

    @Override
    public <E> JoinableQueue<E> joinableQueue(int maxsize) {
        ends.checkOpen();
        return services.channels(QUEUE_TRANSPORT).joinableQueue(maxsize);
    }

    @Override
    public void close() {
        ends.close();
    }
}
