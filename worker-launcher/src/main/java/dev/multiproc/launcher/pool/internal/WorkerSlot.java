package dev.multiproc.launcher.pool.internal;

import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.OptionalInt;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The pool's bookkeeping for one worker: its state, the tasks it holds (sent or about to be),
 * how fast it runs them, and who reads its reports. Not thread-safe: every field but {@link #sendLock} and
 * {@link #functionsSent} is guarded by the {@link TaskScheduler}'s lock; {@link #functionsSent}
 * is guarded by {@link #sendLock}, held by whoever sends to this worker.
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
     * In-flight tasks whose result nobody has asked for yet, by task id, with the sweep count
     * when they were assigned, in assignment order.
     */
    final LinkedHashMap<Long, Long> unclaimed = new LinkedHashMap<>();
    /** Wakes the reader thread when it waits for a reason to read ({@link #readerIdle}). */
    final Condition readerWake;

    State state = State.STARTING;
    WorkerChannel channel;
    boolean everReady;
    /** Tasks ever assigned, for maxTasksPerChild (a chunk is one task). */
    int assigned;
    /** Moving average of the run time of one task here; negative until the first result. */
    double averageRunNanos = -1;
    /** Set once the process has exited. */
    OptionalInt exitCode;
    /** Set once the reader has seen the end of the channel. */
    boolean readerDone;
    /** Why the worker could not be started, if it could not. */
    Throwable startFailure;
    /** Set while the reader thread waits on {@link #readerWake} rather than on the channel. */
    boolean readerIdle;
    /**
     * A caller thread reading this worker's reports for its own result, or null. Written under
     * the scheduler's lock; volatile because the reading thread also checks it between reads.
     */
    volatile Thread leader;
    /** The thread that reads this worker's reports when no caller does; set before it starts. */
    volatile Thread readerThread;
    /** Set when a caller reading the channel met its end (or a corrupt report): the reader finishes up. */
    boolean channelEnded;

    /**
     * @param number     the worker's number in its pool
     * @param name       the worker's name
     * @param readerWake a condition of the scheduler's lock
     */
    WorkerSlot(int number, String name, Condition readerWake) {
        this.number = number;
        this.name = name;
        this.readerWake = readerWake;
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
