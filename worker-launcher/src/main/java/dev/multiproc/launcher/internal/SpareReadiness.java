package dev.multiproc.launcher.internal;

import java.util.HashSet;
import java.util.Set;

/**
 * Which spare JVMs have warmed up: a spare connects its control channel only once warm
 * ({@link SpareJvms}), and until then it is not handed out: a child given to a spare still
 * warming would wait for the warm-up. Thread-safe.
 */
final class SpareReadiness {
    private final Set<Long> ready = new HashSet<>();
    private boolean closed;

    /** @param pid the spare of that pid has reported that it is warm */
    synchronized void ready(long pid) {
        ready.add(pid);
        notifyAll();
    }

    /** @return whether the spare of that pid has reported that it is warm */
    synchronized boolean isReady(long pid) {
        return ready.contains(pid);
    }

    /** @param pid a spare handed out or gone: forget it */
    synchronized void forget(long pid) {
        ready.remove(pid);
    }

    /**
     * Waits until the spare of that pid is warm.
     *
     * @param pid           the spare
     * @param deadlineNanos when to give up ({@link System#nanoTime()})
     * @return whether it is
     * @throws InterruptedException if interrupted while waiting
     */
    synchronized boolean awaitReady(long pid, long deadlineNanos) throws InterruptedException {
        while (!ready.contains(pid) && !closed) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return ready.contains(pid);
    }

    /** Wakes every waiter: the context closed. */
    synchronized void close() {
        closed = true;
        notifyAll();
    }
}
