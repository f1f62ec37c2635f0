package dev.multiproc.launcher.pool.internal;

import dev.multiproc.ProcessTarget;
import dev.multiproc.Serializer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What one pool knows, guarded by one lock: its settings, its state, the tasks waiting for a
 * worker and the workers with what each holds. The pool's other parts ({@link TaskDispatch},
 * {@link WorkerSupervisor}, {@link ReportReader}) work on it under {@link #lock}, never holding it
 * while writing to a channel, starting a process or calling a {@link TaskSink}. Not thread-safe but
 * for its final fields and id counters: every field below them is guarded by {@link #lock}.
 */
final class PoolState {
    /** Pool states, in order. */
    enum State { RUNNING, SHUTDOWN, STOPPING, TERMINATED }

    final String name;
    /** Prefix of the pool's thread names, e.g. {@code multiproc-pool-1}. */
    final String threadPrefix;
    final int processes;
    final int maxTasksPerChild;
    final ProcessTarget initializer;
    final Serializer serializer;
    final ReentrantLock lock = new ReentrantLock();
    /** Signalled when the pool terminates. */
    final Condition terminated = lock.newCondition();
    private final AtomicLong taskIds = new AtomicLong();
    private final AtomicLong functionIds = new AtomicLong();

    /** Tasks submitted and not yet assigned to a worker, in the order they should start. */
    final ArrayDeque<PoolTask> pending = new ArrayDeque<>();
    /** Workers starting, running or stopping; removed once exited and drained. */
    final List<WorkerSlot> slots = new ArrayList<>();
    State state = State.RUNNING;
    /** Why the pool can run no task (workers cannot start, the initializer fails), or null. */
    RuntimeException broken;
    int workersStarted;
    /** Workers in a row that ended on their own before they were ready, and their exit codes. */
    int startFailuresInARow;
    final List<String> startFailureCodes = new ArrayList<>();
    /** Workers in a row that a signal from outside ended before they were ready. */
    int killedAtStartInARow;

    PoolState(String name, int processes, int maxTasksPerChild, ProcessTarget initializer, Serializer serializer) {
        this.name = name;
        this.threadPrefix = "multiproc-" + name.toLowerCase(Locale.ROOT);
        this.processes = processes;
        this.maxTasksPerChild = maxTasksPerChild;
        this.initializer = initializer;
        this.serializer = serializer;
    }

    long newTaskId() {
        return taskIds.incrementAndGet();
    }

    long newFunctionId() {
        return functionIds.incrementAndGet();
    }

    /** @throws RejectedExecutionException unless the pool takes tasks */
    void checkRunningLocked() {
        if (state != State.RUNNING) {
            throw new RejectedExecutionException("pool " + name + " is " + state.name().toLowerCase(Locale.ROOT)
                    + " and takes no new tasks");
        }
    }

    /** @return whether a task waits or runs anywhere */
    boolean hasWorkLocked() {
        if (!pending.isEmpty()) {
            return true;
        }
        for (WorkerSlot slot : slots) {
            if (!slot.inFlight.isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** @return whether the pool wants workers: it runs, or it drains work after a shutdown */
    boolean wantsWorkersLocked() {
        return broken == null && (state == State.RUNNING || (state == State.SHUTDOWN && hasWorkLocked()));
    }

    /** @return a daemon thread of the pool, not started */
    Thread thread(String role, Runnable body) {
        Thread t = new Thread(body, threadPrefix + "-" + role);
        t.setDaemon(true);
        return t;
    }
}
