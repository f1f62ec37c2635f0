package dev.multiproc.launcher.pool.internal;

import dev.multiproc.spi.wait.ReadTurns;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.OptionalInt;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The pool's bookkeeping for one worker: its state, the tasks it holds (sent or about to be),
 * how fast it runs them, how it ended, and who reads its reports ({@link Reading}). Not
 * thread-safe: every field but {@link #sendLock} and {@link #functionsSent} is guarded by the
 * pool's lock ({@link PoolState#lock}); {@link #functionsSent} is guarded by {@link #sendLock},
 * held by whoever sends to this worker.
 */
final class WorkerSlot {
    /** Life of a worker, in order. */
    enum State {
        /** Process starting; the worker has not reported ready. */
        STARTING,
        /** Takes tasks. */
        READY,
        /** Ran its {@code maxTasksPerChild} tasks: gets no more, stops once it has answered them. */
        RETIRING,
        /** Asked to stop (channel closed) or killed; waiting for its process to exit. */
        STOPPED,
        /** Process exited and its channel drained; gone from the pool. */
        EXITED
    }

    final int number;
    final String name;
    final ReentrantLock sendLock = new ReentrantLock();
    final FunctionLru<Boolean> functionsSent = new FunctionLru<>();
    /** Tasks assigned to this worker and not yet answered, by task id, in assignment order. */
    final LinkedHashMap<Long, PoolTask> inFlight = new LinkedHashMap<>();
    /** Tasks assigned but not yet written to the channel, in assignment order. */
    final ArrayDeque<PoolTask> outbox = new ArrayDeque<>();
    /**
     * The batch each in-flight task was written in, by task id (1, 2, ... per worker). The worker
     * runs its batches one after the other and reads the next only when it has reported the
     * last result of the current one: at its death, tasks of batches after the oldest one still
     * in flight never started.
     */
    final HashMap<Long, Long> batchOfTask = new HashMap<>();
    /** Batches written to this worker. */
    long batchesWritten;
    /**
     * In-flight tasks whose result nobody has asked for yet, by task id, with the sweep count
     * when they were assigned, in assignment order.
     */
    final LinkedHashMap<Long, Long> unclaimed = new LinkedHashMap<>();
    final Reading reading;

    State state = State.STARTING;
    WorkerChannel channel;
    /** When the worker reported ready ({@link System#nanoTime()}); 0 while it never has. */
    long readyNanos;
    /** Tasks ever assigned, for maxTasksPerChild (a chunk is one task). */
    int assigned;
    /** Moving average of the run time of one task here; negative until the first result. */
    double averageRunNanos = -1;
    /** The process's exit code once it has exited (empty if unknown); null while it runs. */
    OptionalInt exitCode;
    /** Whether the reader has seen the end of the channel: every report the worker wrote was read. */
    boolean drained;
    /** Why the worker could not be started, if it could not. */
    Throwable startFailure;

    /**
     * Who reads this worker's reports: its reader thread, or a caller waiting for its own result
     * (the leader of {@link #turns}); guarded by the pool's lock.
     */
    static final class Reading {
        /** Wakes the reader thread when it waits aside for a reason to read. */
        final Condition wake;
        /** Whether a caller reads, and whether the reader thread waits aside. */
        final ReadTurns turns = new ReadTurns();
        /** The thread that reads when no caller does; set before it starts. */
        volatile Thread readerThread;
        /** Set when a caller reading the channel met its end (or a corrupt report): the reader finishes up. */
        boolean channelEnded;

        Reading(Condition wake) {
            this.wake = wake;
        }

        /** @return whether the thread reads this worker now, as its reader or as the leading caller */
        boolean readsHere(Thread thread) {
            return turns.isReading(thread) || readerThread == thread;
        }
    }

    /**
     * @param number     the worker's number in its pool
     * @param name       the worker's name
     * @param readerWake a condition of the pool's lock
     */
    WorkerSlot(int number, String name, Condition readerWake) {
        this.number = number;
        this.name = name;
        this.reading = new Reading(readerWake);
    }

    /** @return whether the worker ever reported ready */
    boolean wasReady() {
        return readyNanos != 0;
    }

    /** @return whether the process has exited */
    boolean exited() {
        return exitCode != null;
    }

    long pid() {
        WorkerChannel c = channel;
        return c == null ? -1 : c.pid();
    }

    @Override
    public String toString() {
        return name + "[" + state + ", " + inFlight.size() + " in flight]";
    }
}
