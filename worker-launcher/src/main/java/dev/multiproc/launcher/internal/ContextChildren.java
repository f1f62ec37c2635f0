package dev.multiproc.launcher.internal;

import dev.multiproc.spi.ContextServices;

import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The children one context started; when the context closes, those still running are stopped
 * (SIGTERM, bounded wait, SIGKILL; see {@link StopPolicy}). Thread-safe.
 */
final class ContextChildren implements AutoCloseable {
    private static final Duration GRACE = Duration.ofSeconds(2);
    private static final Map<ContextServices, ContextChildren> BY_CONTEXT = Collections.synchronizedMap(new WeakHashMap<>());

    private final String contextName;
    private final Set<ChildProcess> children = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private ContextChildren(String contextName) {
        this.contextName = contextName;
    }

    /**
     * @param services a context
     * @return its tracker, registered with the context's close on first use
     * @throws IllegalStateException if the context is closed
     */
    static ContextChildren of(ContextServices services) {
        synchronized (BY_CONTEXT) {
            ContextChildren existing = BY_CONTEXT.get(services);
            if (existing != null) {
                if (existing.closed) {
                    throw new IllegalStateException("context (" + existing.contextName + ") is closed");
                }
                return existing;
            }
            ContextChildren created = new ContextChildren(services.settings().transport());
            services.onClose(created); // throws IllegalStateException if the context is closed
            BY_CONTEXT.put(services, created);
            return created;
        }
    }

    void add(ChildProcess child) {
        children.add(child);
        if (!child.isAlive()) { // it exited already; its monitor may have missed this entry
            children.remove(child);
        } else if (closed) { // the context closed while the child started
            StopPolicy.stop(Set.of(child), GRACE, "its context (" + contextName + ") closed while it started");
        }
    }

    void remove(ChildProcess child) {
        children.remove(child);
    }

    @Override
    public void close() {
        closed = true;
        StopPolicy.stop(Set.copyOf(children), GRACE, "their context (" + contextName + ") is closing and they are still running");
    }
}
