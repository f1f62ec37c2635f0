package dev.multiproc.spi.channel;

import dev.multiproc.spi.Cleanup;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * The pipe ends a transport's channels created for one context and that are still open in this
 * process: closed with the context (an end that moved to another process is that process's, and
 * leaves this set when it goes). Thread-safe.
 */
public final class ContextEnds {
    private final String transport;
    private final Set<ChannelConnection> ends = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    /** @param transport the transport's name, for messages */
    public ContextEnds(String transport) {
        this.transport = transport;
    }

    /**
     * @throws IllegalStateException if the context's channels are closed
     */
    public void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("the " + transport + " transport's channels of this context are closed");
        }
    }

    /**
     * Tracks the two ends of a new pipe; if the channels closed meanwhile, closes them and throws.
     *
     * @param pair {left, right}
     * @throws IllegalStateException if the context's channels are closed
     */
    public void add(ChannelConnection[] pair) {
        ends.add(pair[0]);
        ends.add(pair[1]);
        if (closed.get()) {
            close(pair);
            checkOpen();
        }
    }

    /**
     * What each end tells when it closes or moves away.
     *
     * @param end the end
     */
    public void gone(ChannelConnection end) {
        ends.remove(end);
    }

    /**
     * Stops tracking the ends that pass {@code moved} (which lets each go).
     *
     * @param moved tells whether an end left for another process, and releases it here if so
     */
    public void removeIf(Predicate<ChannelConnection> moved) {
        ends.removeIf(moved);
    }

    /** Closes every end still tracked. Idempotent. */
    public void close() {
        if (closed.compareAndSet(false, true)) {
            close(ends.toArray(ChannelConnection[]::new));
        }
    }

    private static void close(ChannelConnection... toClose) {
        Cleanup cleanup = new Cleanup();
        for (ChannelConnection end : toClose) {
            cleanup.close(end);
        }
        cleanup.rethrow();
    }
}
