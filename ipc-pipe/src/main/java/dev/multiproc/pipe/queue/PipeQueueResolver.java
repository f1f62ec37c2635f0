package dev.multiproc.pipe.queue;

import dev.multiproc.Serializer;
import dev.multiproc.pipe.queue.internal.PipeJoinableQueue;
import dev.multiproc.pipe.queue.internal.PipeQueue;
import dev.multiproc.pipe.queue.internal.QueueDescriptor;
import dev.multiproc.pipe.queue.internal.QueueRegistry;
import dev.multiproc.spi.HandleResolver;
import dev.multiproc.wire.HandleDescriptor;

/**
 * Re-attaches pipe queue handles (provider {@value QueueDescriptor#PROVIDER}) in the process that
 * reads them; registered with {@link java.util.ServiceLoader}. Nothing connects until the handle
 * is first used.
 */
public final class PipeQueueResolver implements HandleResolver {
    /** Creates the resolver (called by {@link java.util.ServiceLoader}). */
    public PipeQueueResolver() {
    }

    @Override
    public String provider() {
        return QueueDescriptor.PROVIDER;
    }

    @Override
    public Object resolve(HandleDescriptor descriptor) {
        QueueDescriptor queue = QueueDescriptor.fromHandle(descriptor);
        var client = QueueRegistry.client(queue);
        return queue.joinable()
                ? new PipeJoinableQueue<>(client, Serializer.standard())
                : new PipeQueue<>(client, Serializer.standard());
    }
}
