package dev.multiproc.launcher.internal;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/**
 * How a spare JVM says it has warmed up: the first bytes it writes to its stderr are
 * {@link #MARKER}, which the parent's stderr pump of that spare takes out of the stream instead
 * of copying them ({@link StreamPump}). Until then a spare is not handed out: a child given to a
 * spare still warming would wait for the warm-up. No file, no socket: nothing is left behind by a
 * parent that is killed. Thread-safe.
 */
final class SpareReadiness {
    /** What a warm spare writes first on its stderr. */
    static final byte[] MARKER = "\u0000multiproc-spare-warm\u0000\n".getBytes(StandardCharsets.US_ASCII);

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

    /** Called by a spare once warm, before anything else is written to its stderr. */
    static void report() {
        try {
            @SuppressWarnings("resource") // stderr itself stays open
            FileOutputStream err = new FileOutputStream(FileDescriptor.err);
            err.write(MARKER);
            err.flush();
        } catch (IOException e) {
            // never handed out then; killed with its context
        }
    }
}
