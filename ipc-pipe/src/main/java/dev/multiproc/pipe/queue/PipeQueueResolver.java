package dev.multiproc.pipe.queue;

import dev.multiproc.pipe.queue.internal.UnixBrokerEndpoints;
import dev.multiproc.spi.ContextSettings;
import dev.multiproc.spi.HandleResolver;
import dev.multiproc.spi.Serializers;
import dev.multiproc.spi.broker.QueueDescriptor;
import dev.multiproc.spi.broker.QueueRegistry;
import dev.multiproc.spi.queue.QueueHandle;
import dev.multiproc.wire.HandleDescriptor;

/**
 * Re-attaches pipe queue handles (provider {@value UnixBrokerEndpoints#PROVIDER}) in the process
 * that reads them, with the serializer they name; registered with {@link java.util.ServiceLoader}.
 * Nothing connects until the handle is first used.
 */
public final class PipeQueueResolver implements HandleResolver {
    /** Creates the resolver (called by {@link java.util.ServiceLoader}). */
    public PipeQueueResolver() {
    }

    @Override
    public String provider() {
        return UnixBrokerEndpoints.PROVIDER;
    }

    @Override
    public Object resolve(HandleDescriptor descriptor) {
        QueueDescriptor queue = QueueDescriptor.fromHandle(descriptor);
        UnixBrokerEndpoints endpoints = new UnixBrokerEndpoints(ContextSettings.process());
        return QueueHandle.of(QueueRegistry.client(queue, endpoints), Serializers.of(descriptor));
    }
}
