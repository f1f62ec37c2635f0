package dev.multiproc.systemtests.queue;

import dev.multiproc.IpcQueue;
import dev.multiproc.JoinableQueue;
import dev.multiproc.Pipe;
import dev.multiproc.pipe.queue.PipeQueues;
import dev.multiproc.spi.Channels;
import dev.multiproc.spi.ContextServices;
import dev.multiproc.spi.TransportProvider;

/**
 * Test-only stand-in, until the {@code pipe} TransportProvider (branch {@code pipe}) is in main:
 * a transport whose queues are the pipe queues, so the contract runs through the public API
 * ({@code ctx.queue()}) today. Delete it, and name "pipe" in {@link PipeQueueTest}, once
 * {@code PipeChannels.queue()} calls {@link PipeQueues}.
 */
public final class QueuesOnlyPipeTransport implements TransportProvider {
    /** The stand-in's transport name. */
    public static final String NAME = "pipe-queues-only";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Channels open(ContextServices services) {
        return new Channels() {
            @Override
            public Pipe pipe(boolean duplex) {
                throw new UnsupportedOperationException("the " + NAME + " test transport has queues only");
            }

            @Override
            public <E> IpcQueue<E> queue(int maxsize) {
                return PipeQueues.queue(services, maxsize);
            }

            @Override
            public <E> JoinableQueue<E> joinableQueue(int maxsize) {
                return PipeQueues.joinableQueue(services, maxsize);
            }

            @Override
            public void close() {
                // the queues' brokers are registered with the context itself
            }
        };
    }
}
