package dev.multiproc.pipe.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * Writes out frames that pipe ends left pending in their buffers (see {@link FrameWriter}), at
 * most {@link #FLUSH_DELAY_NANOS} after they were left there, so no message waits indefinitely
 * for its sender's next call.
 *
 * <p>One daemon thread per process, {@code multiproc-pipe-flusher}, started on demand and gone
 * after {@link #IDLE_EXIT_NANOS} without work. It never blocks on a socket: a flush that the
 * peer cannot take now is retried with a delay doubling up to {@link #MAX_RETRY_DELAY_NANOS}; one
 * that finds a sender holding the end's lock is left to that sender, which asks again after
 * unlocking if bytes remain. A shutdown hook, {@code multiproc-pipe-exit-flush}, writes what is
 * still pending when the JVM exits normally. Thread-safe.
 */
final class Flusher {
    /** The longest a frame left pending by a burst waits before the flusher writes it. */
    static final long FLUSH_DELAY_NANOS = 50_000;
    /** The longest delay between retries while a peer's socket buffer stays full. */
    static final long MAX_RETRY_DELAY_NANOS = 10_000_000;
    private static final long IDLE_EXIT_NANOS = 2_000_000_000L;
    /** The longest the exit hook waits for peers to take pending frames. */
    static final long EXIT_FLUSH_TIMEOUT_NANOS = 5_000_000_000L;
    private static final Flusher INSTANCE = new Flusher();
    private static final Logger LOG = LoggerFactory.getLogger(Flusher.class);

    /** Ends to flush, earliest due first. Guarded by {@code this}. */
    private final PriorityQueue<Entry> queue = new PriorityQueue<>(Comparator.comparingLong(Entry::dueNanos));
    /** Guarded by {@code this}. */
    private Thread thread;
    /** Whether the thread is parked with nothing to do. Guarded by {@code this}. */
    private boolean idle;

    private record Entry(PipeConnection end, long dueNanos) {
    }

    private Flusher() {
        try {
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("multiproc-pipe-exit-flush")
                    .unstarted(this::flushAllAtExit));
        } catch (IllegalStateException shuttingDown) {
            // first used by another shutdown hook: nothing runs after this one anyway
        }
    }

    /**
     * At JVM exit ({@code System.exit}, end of {@code main}), writes every frame still pending, so
     * a process that sends and then exits loses nothing; bounded by {@link #EXIT_FLUSH_TIMEOUT_NANOS}.
     */
    private void flushAllAtExit() {
        List<Entry> entries;
        synchronized (this) {
            entries = new ArrayList<>(queue);
            queue.clear();
        }
        long deadline = System.nanoTime() + EXIT_FLUSH_TIMEOUT_NANOS;
        for (Entry e : entries) {
            e.end().flushBounded(deadline, "exit");
        }
    }

    /** @return the process's flusher */
    static Flusher instance() {
        return INSTANCE;
    }

    /**
     * Asks for {@code end.flushFromFlusher()} to be called after a delay.
     *
     * @param end        a pipe end with pending bytes
     * @param delayNanos how long to wait first
     */
    synchronized void schedule(PipeConnection end, long delayNanos) {
        Entry entry = new Entry(end, System.nanoTime() + delayNanos);
        boolean first = queue.isEmpty() || entry.dueNanos() - queue.peek().dueNanos() < 0;
        queue.add(entry);
        if (thread == null) {
            thread = Thread.ofPlatform().daemon().name("multiproc-pipe-flusher").start(this::run);
        } else if (idle || first) {
            LockSupport.unpark(thread); // idle, or parked until a later entry
        }
    }

    private void run() {
        long idleSince = System.nanoTime();
        while (true) {
            Entry next;
            synchronized (this) {
                next = queue.peek();
                if (next == null) {
                    if (System.nanoTime() - idleSince >= IDLE_EXIT_NANOS) {
                        thread = null;
                        return;
                    }
                    idle = true;
                }
            }
            if (next == null) {
                LockSupport.parkNanos(this, IDLE_EXIT_NANOS);
                synchronized (this) {
                    idle = false;
                }
                continue;
            }
            long wait = next.dueNanos() - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(this, wait);
                continue;
            }
            synchronized (this) {
                queue.remove(next);
            }
            try {
                next.end().flushFromFlusher();
            } catch (RuntimeException e) {
                LOG.error("pipe flusher: flushing {} failed", next.end(), e);
            }
            idleSince = System.nanoTime();
        }
    }
}
