package dev.multiproc.spi.broker;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The listener/connector seam of the brokered queue: how a transport lets a {@link QueueBroker}
 * listen and its {@link QueueClient}s connect. The pipe transport supplies Unix-domain sockets in
 * the socket directory; a network transport supplies TCP. The broker multiplexes its connections
 * with a {@link java.nio.channels.Selector}, so both ends are NIO channels. Thread-safe.
 */
public interface BrokerEndpoints {
    /** @return the provider name of the queue handles made over these endpoints, e.g. "pipe.queue" */
    String provider();

    /**
     * @param queueName the new queue's name, unique on the host
     * @return a bound, listening socket for its broker
     * @throws IOException if it cannot be bound
     */
    Listener listen(String queueName) throws IOException;

    /**
     * @param address what {@link Listener#address()} gave, carried by the queue's handles
     * @return a connected, blocking channel to the broker
     * @throws IOException if nothing answers there
     */
    SocketChannel connect(String address) throws IOException;

    /**
     * The broker of the queue at {@code address} is gone (its owner exited or closed the queue);
     * a transport whose listeners leave files behind removes them once the owner is dead.
     *
     * @param address  the broker's address
     * @param ownerPid the process that hosted it
     */
    default void brokerGone(String address, long ownerPid) {
    }

    /**
     * @return where a client keeps its {@link QueueJournal}, a directory the broker can read too
     *         (shared memory on the same host); empty if the broker cannot (another host), and
     *         then what a killed client had not yet written is lost with it
     */
    default Optional<Path> journalDirectory() {
        return Optional.empty();
    }

    /** A broker's listening socket. */
    interface Listener extends AutoCloseable {
        /** @return the socket, bound and listening */
        ServerSocketChannel channel();

        /** @return where clients connect, as {@link BrokerEndpoints#connect} takes it */
        String address();

        /** Closes the socket and removes what it left (a socket file). Idempotent. */
        @Override
        void close();
    }
}
