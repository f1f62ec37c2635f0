package dev.multiproc.spi.broker;

import dev.multiproc.spi.log.Log;
import dev.multiproc.spi.process.ExitHooks;

import java.util.ArrayList;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The brokered queues this process uses: one {@link QueueClient} per queue (so every handle of a
 * queue in this process, however it arrived, shares one connection and one {@code close()}), and
 * the brokers this process hosts. At JVM exit, after the children were waited for, every client is
 * closed ({@link ExitHooks.Phase#QUEUE_CLIENTS}: each waits until the broker applied all puts sent
 * from here), then every broker ({@link ExitHooks.Phase#BROKERS}), which releases its socket.
 * Thread-safe.
 */
public final class QueueRegistry {
    private static final Log LOG = Log.of(QueueRegistry.class);
    private static final Map<String, QueueClient> CLIENTS = new ConcurrentHashMap<>();
    private static final Set<QueueBroker> BROKERS = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean HOOKED = new AtomicBoolean();

    private QueueRegistry() {
    }

    /**
     * @param queue     a queue
     * @param endpoints how the queue's transport connects
     * @return this process's client of it (closed, if this process closed the queue)
     */
    public static QueueClient client(QueueDescriptor queue, BrokerEndpoints endpoints) {
        hook();
        return CLIENTS.computeIfAbsent(queue.name(), n -> new QueueClient(queue, endpoints));
    }

    /**
     * Registers the client of the process that hosts the broker, which talks to it in place.
     *
     * @param broker a broker of this process
     * @return its client
     */
    public static QueueClient ownerClient(QueueBroker broker) {
        hook();
        QueueClient client = new QueueClient(broker.queue(), broker);
        CLIENTS.put(broker.name(), client);
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
            ExitHooks.register(ExitHooks.Phase.QUEUE_CLIENTS, QueueRegistry::closeClients);
            ExitHooks.register(ExitHooks.Phase.BROKERS, QueueRegistry::closeBrokers);
        }
    }

    private static void closeClients() {
        for (QueueClient c : new ArrayList<>(CLIENTS.values())) {
            try {
                c.close();
            } catch (RuntimeException e) {
                LOG.warn("closing queue {} at exit failed", c.queue().name(), e);
            }
        }
    }

    private static void closeBrokers() {
        for (QueueBroker b : new ArrayList<>(BROKERS)) {
            b.close();
        }
    }
}
