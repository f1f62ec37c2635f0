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

    /**
     * In a spare JVM, before it is given a target: loads and links what resolving and first
     * using this provider's handles needs (native calls, above all), so the child that the spare
     * becomes does not pay for it. Touches no state a child could see. Does nothing by default.
     */
    default void warmUp() {
    }
}
