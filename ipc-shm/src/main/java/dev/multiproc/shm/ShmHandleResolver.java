package dev.multiproc.shm;

import dev.multiproc.shm.internal.Handles;
import dev.multiproc.spi.HandleResolver;
import dev.multiproc.wire.HandleDescriptor;

/**
 * Re-attaches handles of provider {@code "shm"} (shared values, arrays, memory blocks, locks,
 * conditions, semaphores, events, barriers) in the process that reads them. Attaching maps the
 * segment (once per file and JVM; unmapped at JVM exit) and never makes this process its owner.
 */
public final class ShmHandleResolver implements HandleResolver {
    /** Creates the resolver (called by {@link java.util.ServiceLoader}). */
    public ShmHandleResolver() {
    }

    @Override
    public String provider() {
        return Handles.PROVIDER;
    }

    @Override
    public void warmUp() {
        Handles.warmUp();
    }

    @Override
    public Object resolve(HandleDescriptor descriptor) {
        return Handles.resolve(descriptor);
    }
}
