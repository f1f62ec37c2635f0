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
     * @param services the context's services
     * @return the transport's channels for one context
     */
    Channels open(ContextServices services);
}
