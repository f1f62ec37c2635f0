package dev.multiproc.pipe;

import dev.multiproc.pipe.internal.PipeHandles;
import dev.multiproc.spi.HandleResolver;
import dev.multiproc.wire.HandleDescriptor;

/**
 * Re-attaches handles of the "pipe" transport (pipe ends) in the process that reads them; see
 * {@link PipeTransport} for how an end moves between processes.
 */
public final class PipeHandleResolver implements HandleResolver {
    /** Creates the resolver (called by {@link java.util.ServiceLoader}). */
    public PipeHandleResolver() {
    }

    @Override
    public String provider() {
        return PipeTransport.NAME;
    }

    @Override
    public void warmUp() {
        PipeHandles.warmUp();
    }

    @Override
    public Object resolve(HandleDescriptor descriptor) {
        return PipeHandles.resolve(descriptor);
    }
}
