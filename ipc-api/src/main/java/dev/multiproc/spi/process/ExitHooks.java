package dev.multiproc.spi.process;


import dev.multiproc.spi.log.Log;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The one JVM shutdown hook of Multiproc ({@code multiproc-exit}), which runs the exit work of
 * every module in a fixed order, so that nothing is torn down while something else still needs it:
 * a parent waiting at exit for a non-daemon child keeps that child's queues and shared memory
 * alive until it is gone. Within a phase, actions run in the order they were registered. A
 * failing action is logged and the rest still run. Thread-safe.
 */
public final class ExitHooks {
    /** The phases, in the order they run. */
    public enum Phase {
        /** Writes frames still buffered by pipe ends and queue clients. */
        FLUSH,
        /** Terminates daemon children, then waits for the others (as Python does). */
        CHILDREN,
        /** Closes this process's use of queues (each first confirms its puts with the broker). */
        QUEUE_CLIENTS,
        /** Stops the queue brokers this process hosts; other processes see the queues closed. */
        BROKERS,
        /** Unmaps shared memory and unlinks the segments this process owns. */
        SEGMENTS,
        /** Closes what threads wait on in native calls (a child's stdin), so the JVM need not wait for them. */
        RELEASE
    }

    private static final Log LOG = Log.of(ExitHooks.class);
    private static final Map<Phase, List<Runnable>> ACTIONS = new EnumMap<>(Phase.class);
    private static boolean installed;
    private static boolean running;

    private ExitHooks() {
    }

    /**
     * Adds an action to run at normal JVM exit ({@code System.exit}, end of {@code main}, SIGTERM).
     * Registering while the JVM exits is refused quietly: the action would run after its phase.
     *
     * @param phase  when it runs
     * @param action what runs; should be bounded in time
     * @return whether it was registered (false: the JVM is already exiting)
     */
    public static synchronized boolean register(Phase phase, Runnable action) {
        if (running) {
            return false;
        }
        if (!installed) {
            try {
                Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("multiproc-exit").unstarted(ExitHooks::runAll));
            } catch (IllegalStateException exiting) {
                running = true;
                return false;
            }
            installed = true;
        }
        ACTIONS.computeIfAbsent(phase, p -> new ArrayList<>()).add(action);
        return true;
    }

    private static void runAll() {
        // loops, not lambdas: a lambda's call site is linked the first time it runs, here at the
        // exit of every child, on the way to its exit status
        Map<Phase, List<Runnable>> snapshot = new EnumMap<>(Phase.class);
        synchronized (ExitHooks.class) {
            running = true;
            for (Map.Entry<Phase, List<Runnable>> e : ACTIONS.entrySet()) {
                snapshot.put(e.getKey(), List.copyOf(e.getValue()));
            }
        }
        for (Map.Entry<Phase, List<Runnable>> e : snapshot.entrySet()) {
            for (Runnable action : e.getValue()) {
                try {
                    action.run();
                } catch (RuntimeException | Error failure) {
                    LOG.warn("exit step {} ({}) failed", e.getKey(), action, failure);
                }
            }
        }
    }
}
