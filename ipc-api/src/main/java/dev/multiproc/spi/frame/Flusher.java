package dev.multiproc.spi.frame;

import dev.multiproc.spi.log.Log;
import dev.multiproc.spi.process.ExitHooks;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * Writes out frames that {@link FrameWriter}s left pending, at most {@link #FLUSH_DELAY_NANOS}
 * (bursts) or {@link #LATER_DELAY_NANOS} (frames sent LATER) after they were left, so no frame
 * waits indefinitely for its sender's next call.
 *
 * <p>One daemon thread per process, {@code multiproc-flusher}, started on demand and gone after
 * {@link #IDLE_EXIT_NANOS} without work. It never blocks on a socket: a flush the peer cannot take
 * now is retried with a growing delay; one that finds a sender holding the writer's lock is left to
 * that sender. At normal JVM exit ({@link ExitHooks.Phase#FLUSH}) it writes what is still pending,
 * waiting at most {@link #EXIT_FLUSH_TIMEOUT_NANOS} for peers to read. Thread-safe.
 */
public final class Flusher {
    /** The longest a frame left pending by a burst waits before the flusher writes it. */
    public static final long FLUSH_DELAY_NANOS = 50_000;
    /** The longest a frame sent LATER waits. */
    public static final long LATER_DELAY_NANOS = 1_000_000;
    /** The longest delay between retries while a peer's socket buffer stays full. */
    static final long MAX_RETRY_DELAY_NANOS = 10_000_000;
    private static final long IDLE_EXIT_NANOS = 2_000_000_000L;
    /** The longest the exit step waits for peers to take pending frames. */
    static final long EXIT_FLUSH_TIMEOUT_NANOS = 5_000_000_000L;
    private static final long EXIT_LOCK_WAIT_NANOS = 10_000_000;
    private static final Log LOG = Log.of(Flusher.class);
    private static final Flusher INSTANCE = new Flusher();

    /** Writers to flush, earliest due first. Guarded by {@code this}. */
    private final PriorityQueue<Entry> queue = new PriorityQueue<>(Comparator.comparingLong(Entry::dueNanos));
    /** Guarded by {@code this}. */
    private Thread thread;
    /** Whether the thread is parked with nothing to do. Guarded by {@code this}. */
    private boolean idle;

    /**
     * What the flusher writes out later: a {@link FrameWriter}'s pending frames, or frames a
     * protocol holds back until then (a queue client's acknowledgements).
     */
    public interface Task {
        /** Writes what is pending without blocking; called on the flusher thread. */
        void flushFromFlusher();

        /**
         * Writes what is pending, waiting for the peer until a deadline (at JVM exit).
         *
         * @param deadlineNanos when to give up ({@link System#nanoTime()})
         * @param lockWaitNanos how long to wait for a send in progress
         * @return whether nothing is left pending
         */
        boolean flushUntil(long deadlineNanos, long lockWaitNanos);
    }

    private record Entry(Task task, long dueNanos) {
    }

    private Flusher() {
        ExitHooks.register(ExitHooks.Phase.FLUSH, this::flushAllAtExit);
    }

    /** @return the process's flusher */
    static Flusher instance() {
        return INSTANCE;
    }

    private void flushAllAtExit() {
        List<Entry> entries;
        synchronized (this) {
            entries = new ArrayList<>(queue);
            queue.clear();
        }
        long deadline = System.nanoTime() + EXIT_FLUSH_TIMEOUT_NANOS;
        for (Entry e : entries) {
            if (!e.task().flushUntil(deadline, EXIT_LOCK_WAIT_NANOS)) {
                LOG.warn("{}: frames still buffered at exit were not all written", e.task());
            }
        }
    }

    /**
     * Asks for {@code task.flushFromFlusher()} to be called after a delay, once per call.
     *
     * @param task       a writer with pending bytes, or a protocol holding frames back
     * @param delayNanos how long to wait first
     */
    public static void later(Task task, long delayNanos) {
        INSTANCE.schedule(task, delayNanos);
    }

    synchronized void schedule(Task task, long delayNanos) {
        Entry entry = new Entry(task, System.nanoTime() + delayNanos);
        boolean first = queue.isEmpty() || entry.dueNanos() - queue.peek().dueNanos() < 0;
        queue.add(entry);
        if (thread == null) {
            thread = Thread.ofPlatform().daemon().name("multiproc-flusher").start(this::run);
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
                next.task().flushFromFlusher();
            } catch (RuntimeException e) {
                LOG.error("flushing {} failed", next.task(), e);
            }
            idleSince = System.nanoTime();
        }
    }
}
