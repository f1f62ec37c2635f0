package dev.multiproc.spi;

import dev.multiproc.Serializer;

/**
 * What a context offers the modules that implement its primitives. Thread-safe.
 */
public interface ContextServices {
    /** @return the context's settings */
    ContextSettings settings();

    /** @return the serializer for user objects */
    Serializer serializer();

    /**
     * Registers a resource the context releases when it closes, in reverse order of registration.
     *
     * @param resource what to close
     * @throws IllegalStateException if the context is closed (the resource is closed first)
     */
    void onClose(AutoCloseable resource);

    /** @return the channels of the context's own transport */
    Channels channels();

    /**
     * @param transport a transport name
     * @return the channels of that transport, opened for this context
     */
    Channels channels(String transport);

    /** @return the process launcher (worker-launcher module) */
    ProcessLauncher launcher();
}
