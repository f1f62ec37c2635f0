package dev.multiproc.spi;

import dev.multiproc.wire.HandleDescriptor;

/**
 * Re-attaches handles in the process that reads them, found with {@link java.util.ServiceLoader}
 * by {@link #provider()} matching {@link HandleDescriptor#getProvider()}.
 */
public interface HandleResolver {
    /** @return the provider name this resolver serves, e.g. "pipe" or "shm" */
    String provider();

    /**
     * @param descriptor what the handle wrote
     * @return the handle, attached in this process
     */
    Object resolve(HandleDescriptor descriptor);
}
