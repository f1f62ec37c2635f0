package dev.multiproc.pipe.internal;

import java.util.ArrayDeque;
import java.util.concurrent.locks.LockSupport;

/**
 * Writes out frames that pipe ends left pending in their buffers (see {@link FrameWriter}), at
 * most {@link #FLUSH_DELAY_NANOS} after they were left there, so no message waits indefinitely
 * for its sender's next call.
 *
 * <p>One daemon thread per process, {@code multiproc-pipe-flusher}, started on demand and gone
 * after {@link #IDLE_EXIT_NANOS} without work. It never blocks on a socket: a flush that the
 * peer cannot take now, or that finds the end busy, is scheduled again. Thread-safe.
 */
final class Flusher {
    /** The longest a frame left pending by a burst waits before the flusher writes it. */
    static final long FLUSH_DELAY_NANOS = 50_000;
    private static final long IDLE_EXIT_NANOS = 2_000_000_000L;
    private static final Flusher INSTANCE = new Flusher();

    /** Ends in the order they asked, each with the time it may be flushed. Guarded by {@code this}. */
    private final ArrayDeque<Entry> queue = new ArrayDeque<>();
    /** Guarded by {@code this}. */
    private Thread thread;
    /** Whether the thread is parked with nothing to do. Guarded by {@code this}. */
    private boolean idle;

    private record Entry(PipeConnection end, long dueNanos) {
    }

    private Flusher() {
    }

    /** @return the process's flusher */
    static Flusher instance() {
        return INSTANCE;
    }

    /**
     * Asks for {@code end.flushFromFlusher()} to be called after the flush delay.
     *
     * @param end a pipe end with pending bytes
     */
    synchronized void schedule(PipeConnection end) {
        queue.addLast(new Entry(end, System.nanoTime() + FLUSH_DELAY_NANOS));
        if (thread == null) {
            thread = Thread.ofPlatform().daemon().name("multiproc-pipe-flusher").start(this::run);
        } else if (idle) {
            LockSupport.unpark(thread);
        }
    }

    private void run() {
        long idleSince = System.nanoTime();
        while (true) {
            Entry next;
            synchronized (this) {
                next = queue.peekFirst();
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
                queue.pollFirst();
            }
            next.end().flushFromFlusher();
            idleSince = System.nanoTime();
        }
    }
}
