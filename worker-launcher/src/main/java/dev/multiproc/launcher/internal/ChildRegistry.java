package dev.multiproc.launcher.internal;

import dev.multiproc.IpcProcess;
import dev.multiproc.spi.log.Log;
import dev.multiproc.spi.process.ExitHooks;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The children this JVM started that have not exited yet, and what happens to them when it
 * exits ({@link ExitHooks.Phase#CHILDREN}, registered with the first child): daemon children are
 * terminated ({@link StopPolicy}: SIGTERM, bounded wait, SIGKILL); non-daemon children are waited
 * for, as Python does. Queues and shared memory are torn down only after this phase, so a child
 * waited for at exit can still use them.
 */
public final class ChildRegistry {
    private static final Log LOG = Log.of(ChildRegistry.class);
    private static final Duration DAEMON_GRACE = Duration.ofSeconds(2);
    private static final Set<ChildProcess> RUNNING = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean HOOK_INSTALLED = new AtomicBoolean();
    /** Set when the exit step begins: daemon children are no longer started (a pool would replace the ones stopped). */
    private static volatile boolean exiting;

    private ChildRegistry() {
    }

    static void add(ChildProcess child) {
        if (HOOK_INSTALLED.compareAndSet(false, true)
                && !ExitHooks.register(ExitHooks.Phase.CHILDREN, ChildRegistry::atExit)) {
            // Started from a shutdown hook: the child still ends with this JVM (its stdin closes).
            LOG.debug("JVM is shutting down; {} is not waited for at exit", child);
        }
        RUNNING.add(child);
    }

    static void remove(ChildProcess child) {
        RUNNING.remove(child);
    }

    /** @return whether this JVM's exit step has begun, after which daemon children are not started */
    public static boolean isExiting() {
        return exiting;
    }

    /** @return the started children of this JVM that are still alive */
    public static List<IpcProcess> activeChildren() {
        return RUNNING.stream().filter(ChildProcess::isAlive).map(IpcProcess.class::cast).toList();
    }

    private static void atExit() {
        exiting = true;
        stopDaemons();
        List<ChildProcess> others = RUNNING.stream().filter(c -> c.isAlive() && !c.isDaemon()).toList();
        if (others.isEmpty()) {
            stopDaemons(); // one whose start was under way when the exit began
            return;
        }
        LOG.info("this JVM is exiting: waiting for its non-daemon child processes {}", others);
        for (ChildProcess c : others) {
            try {
                c.join();
            } catch (InterruptedException e) {
                LOG.warn("interrupted while waiting for {} at exit", c);
                Thread.currentThread().interrupt();
                return;
            }
        }
        stopDaemons();
    }

    private static void stopDaemons() {
        List<ChildProcess> daemons = RUNNING.stream().filter(c -> c.isAlive() && c.isDaemon()).toList();
        if (!daemons.isEmpty()) {
            StopPolicy.stop(daemons, DAEMON_GRACE, "this JVM is exiting and they are daemon processes");
        }
    }
}
