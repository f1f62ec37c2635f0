package dev.multiproc.pipe.queue.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The queues this process uses: one {@link QueueClient} per queue (so every handle of a queue in
 * this process, however it arrived, shares one connection and one {@code close()}), and the
 * brokers this process hosts. At JVM exit a shutdown hook ({@code multiproc-queue-shutdown})
 * first closes every client, which waits until the brokers have applied all puts sent from here,
 * then closes every broker, which removes its socket file. Thread-safe.
 */
public final class QueueRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(QueueRegistry.class);
    private static final Map<String, QueueClient> CLIENTS = new ConcurrentHashMap<>();
    private static final Set<QueueBroker> BROKERS = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean HOOKED = new AtomicBoolean();

    private QueueRegistry() {
    }

    /**
     * @param queue a queue
     * @return this process's client of it (closed, if this process closed the queue)
     */
    public static QueueClient client(QueueDescriptor queue) {
        hook();
        return CLIENTS.computeIfAbsent(queue.name(), n -> new QueueClient(queue));
    }

    /**
     * Registers the client of the process that hosts the broker, which talks to it in place.
     *
     * @param queue  the queue
     * @param broker its broker, in this process
     * @return the client
     */
    public static QueueClient ownerClient(QueueDescriptor queue, QueueBroker broker) {
        hook();
        QueueClient client = new QueueClient(queue, broker);
        CLIENTS.put(queue.name(), client);
        return client;
    }

    static void brokerStarted(QueueBroker broker) {
        hook();
        BROKERS.add(broker);
    }

    /** A broker closed: this process's own client of it goes too. */
    static void brokerClosed(QueueBroker broker) {
        BROKERS.remove(broker);
        QueueClient own = CLIENTS.remove(broker.name());
        if (own != null) {
            own.close();
        }
    }

    /**
     * Closes this process's own client of the broker, then the broker.
     *
     * @param broker a broker of this process
     */
    public static void closeBroker(QueueBroker broker) {
        QueueClient own = CLIENTS.get(broker.name());
        if (own != null) {
            own.close();
        }
        broker.close();
    }

    private static void hook() {
        if (HOOKED.compareAndSet(false, true)) {
            try {
                Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("multiproc-queue-shutdown")
                        .unstarted(QueueRegistry::shutdown));
            } catch (IllegalStateException e) {
                LOG.debug("the JVM is already shutting down; queues used from now on are not closed at exit");
            }
        }
    }

    private static void shutdown() {
        for (QueueClient c : new ArrayList<>(CLIENTS.values())) {
            try {
                c.close();
            } catch (RuntimeException e) {
                LOG.warn("closing queue {} at exit failed", c.queue().name(), e);
            }
        }
        List<QueueBroker> brokers = new ArrayList<>(BROKERS);
        for (QueueBroker b : brokers) {
            b.close();
        }
    }
}
