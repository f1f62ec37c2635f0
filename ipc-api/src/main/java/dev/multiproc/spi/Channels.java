package dev.multiproc.spi;

import dev.multiproc.IpcQueue;
import dev.multiproc.JoinableQueue;
import dev.multiproc.Pipe;

import java.util.Optional;

/**
 * The channels of one transport, opened for one context. Closed with the context.
 */
public interface Channels extends AutoCloseable {
    /**
     * @param duplex false for one-way: left receives, right sends
     * @return a new pipe
     */
    Pipe pipe(boolean duplex);

    /**
     * @param maxsize capacity; zero or negative means unbounded
     * @param <E>     item type
     * @return a new queue
     */
    <E> IpcQueue<E> queue(int maxsize);

    /**
     * @param maxsize capacity; zero or negative means unbounded
     * @param <E>     item type
     * @return a new joinable queue
     */
    <E> JoinableQueue<E> joinableQueue(int maxsize);

    /**
     * @return the transport's own shared values and locks, when it hosts them itself (the socket
     *         transport, through its manager); empty means the shared-memory module provides them
     */
    default Optional<SharedObjects> sharedObjects() {
        return Optional.empty();
    }

    /** Releases what these channels created. Idempotent. */
    @Override
    void close();
}
