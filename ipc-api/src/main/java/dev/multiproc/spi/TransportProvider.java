package dev.multiproc.spi;

/**
 * A named transport ("pipe", "shm", "socket"), found with {@link java.util.ServiceLoader}.
 */
public interface TransportProvider {
    /** @return the transport name */
    String name();

    /** @return whether it works on this platform */
    default boolean isAvailable() {
        return true;
    }

    /**
     * @return whether {@code Multiproc.context()} may pick it when no transport is named: false
     *         while a transport still borrows some of its channels from another one
     */
    default boolean isComplete() {
        return true;
    }

    /**
     * @param services the context's services
     * @return the transport's channels for one context
     */
    Channels open(ContextServices services);
}
