package dev.multiproc.launcher.pool.internal;

import dev.multiproc.ProcessTarget;
import dev.multiproc.Serializer;
import dev.multiproc.spi.log.Log;
import dev.multiproc.spi.wait.WaitStrategy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Predicate;

/**
 * The heart of a pool, transport-free (it sees workers only through {@link WorkerChannel}s made
 * by a {@link WorkerStarter}), split by job:
 * <ul>
 * <li>{@link PoolState}: the state, the pending tasks and the workers, under one lock;</li>
 * <li>{@link TaskDispatch}: which worker gets which task, the per-worker window, writing tasks;</li>
 * <li>{@link WorkerSupervisor}: starting, stopping and replacing workers, and what a worker's end
 *     means for its tasks;</li>
 * <li>{@link ReportReader} and {@link ReportHandler}: who reads a worker's reports, and what they
 *     mean;</li>
 * <li>{@link TaskCodec}: the messages on a worker's channel;</li>
 * <li>this class: submitting, and the pool's life (shutdown, terminate, termination).</li>
 * </ul>
 * Thread-safe.
 */
final class TaskScheduler implements SpinningFuture.ResultSource {
    private static final Log LOG = Log.of(TaskScheduler.class);
    /** How long terminate() waits for killed workers to exit. */
    static final Duration TERMINATE_WAIT = Duration.ofMillis(1500);

    private final PoolState pool;
    private final TaskDispatch dispatch;
    private final WorkerSupervisor supervisor;
    private final ReportReader reader;
    private final WaitStrategy waits;

    /**
     * @param name             the pool's name, e.g. {@code Pool-1}; workers are {@code Pool-1-Worker-N}
     * @param processes        workers to keep
     * @param maxTasksPerChild tasks after which a worker is replaced; 0 for never
     * @param initializer      run once in each worker, or null
     * @param starter          starts workers
     * @param serializer       reads errors that travel in results
     * @param waits            how callers wait for results
     */
    TaskScheduler(String name, int processes, int maxTasksPerChild, ProcessTarget initializer,
                  WorkerStarter starter, Serializer serializer, WaitStrategy waits) {
        this.pool = new PoolState(name, processes, maxTasksPerChild, initializer, serializer);
        this.waits = waits;
        this.dispatch = new TaskDispatch(pool, this);
        this.supervisor = new WorkerSupervisor(pool, this, starter);
        this.reader = new ReportReader(pool, this, waits);
    }

    TaskDispatch dispatch() {
        return dispatch;
    }

    WorkerSupervisor supervisor() {
        return supervisor;
    }

    ReportReader reader() {
        return reader;
    }

    /** @return how callers wait for results */
    WaitStrategy waits() {
        return waits;
    }

    /** Starts the dispatcher and the workers, in parallel; returns without waiting for them. */
    void start() {
        dispatch.start();
        reader.start();
        List<Runnable> after = new ArrayList<>();
        pool.lock.lock();
        try {
            supervisor.topUpLocked(after);
        } finally {
            pool.lock.unlock();
        }
        after.forEach(Runnable::run);
    }

    String name() {
        return pool.name;
    }

    int processes() {
        return pool.processes;
    }

    long newTaskId() {
        return pool.newTaskId();
    }

    long newFunctionId() {
        return pool.newFunctionId();
    }

    /** @throws RejectedExecutionException unless the pool takes tasks */
    void checkRunning() {
        pool.lock.lock();
        try {
            pool.checkRunningLocked();
        } finally {
            pool.lock.unlock();
        }
    }

    /**
     * Queues tasks, assigns what the workers have room for and writes those in this thread.
     *
     * @param tasks the tasks, in the order they should start
     * @throws RejectedExecutionException after shutdown
     */
    void submit(Collection<PoolTask> tasks) {
        List<WorkerSlot> touched = new ArrayList<>();
        List<Runnable> after = new ArrayList<>();
        RuntimeException failure;
        pool.lock.lock();
        try {
            pool.checkRunningLocked();
            failure = pool.broken;
            if (failure == null) {
                pool.pending.addAll(tasks);
                dispatch.assignLocked(touched, after);
            }
        } finally {
            pool.lock.unlock();
        }
        if (failure != null) {
            tasks.forEach(t -> fail(pool, t, failure));
            return;
        }
        after.forEach(Runnable::run);
        for (WorkerSlot slot : touched) {
            dispatch.flush(slot);
        }
    }

    @Override
    public void claim(long taskId) {
        reader.claim(taskId);
    }

    @Override
    public boolean claimAndRead(long taskId, SpinningFuture<?> future, long limitNanos) {
        return reader.claimAndRead(taskId, future, limitNanos);
    }

    /** Delivers a task's failure to its sink; a sink that throws is logged. */
    static void fail(PoolState pool, PoolTask task, Throwable error) {
        try {
            task.sink().failed(task, error);
        } catch (Throwable e) {
            LOG.error("pool {}: failing task {} failed", pool.name, task.id(), e);
        }
    }

    // ---------------------------------------------------------------- lifecycle

    /** After shutdown: once all work is done, stops the workers; once they are gone, terminates. */
    void checkDrainedLocked(List<Runnable> after) {
        if (pool.state == PoolState.State.SHUTDOWN) {
            // tasks nobody waits for any more (the rest of a map that failed) are no work: left
            // pending with every worker idle, nothing would ever take them and the pool never terminates
            pool.pending.removeIf(t -> t.sink().abandoned());
        }
        if (pool.state == PoolState.State.SHUTDOWN && !pool.hasWorkLocked()) {
            pool.state = PoolState.State.STOPPING;
            for (WorkerSlot slot : pool.slots) {
                supervisor.stopLocked(slot, after, false);
            }
        }
        if (pool.state == PoolState.State.STOPPING && pool.slots.isEmpty()) {
            pool.state = PoolState.State.TERMINATED;
            pool.terminated.signalAll();
            dispatch.stop();
            reader.stop();
            LOG.debug("pool {} terminated", pool.name);
        }
        reader.wakeReadersLocked();
    }

    /** No new tasks; workers stop once every queued and running task is done. */
    void shutdown() {
        List<Runnable> after = new ArrayList<>();
        pool.lock.lock();
        try {
            if (pool.state == PoolState.State.RUNNING) {
                pool.state = PoolState.State.SHUTDOWN;
                checkDrainedLocked(after);
            }
        } finally {
            pool.lock.unlock();
        }
        after.forEach(Runnable::run);
    }

    /**
     * Kills every worker at once. Tasks running or queued fail with
     * {@link CancellationException}, except the queued ones {@code keep} accepts, which are
     * returned instead (shutdownNow's never-started tasks).
     *
     * @param keep which never-started tasks to hand back rather than cancel
     * @return the tasks kept
     */
    List<PoolTask> terminate(Predicate<PoolTask> keep) {
        List<PoolTask> cancelled = new ArrayList<>();
        List<PoolTask> kept = new ArrayList<>();
        List<Runnable> after = new ArrayList<>();
        pool.lock.lock();
        try {
            if (pool.state == PoolState.State.TERMINATED) {
                return kept;
            }
            pool.state = PoolState.State.STOPPING;
            for (PoolTask t : pool.pending) {
                (keep.test(t) ? kept : cancelled).add(t);
            }
            pool.pending.clear();
            for (WorkerSlot slot : pool.slots) {
                cancelled.addAll(slot.inFlight.values());
                slot.inFlight.clear();
                slot.outbox.clear();
                slot.unclaimed.clear();
                if (slot.state == WorkerSlot.State.STOPPED && slot.channel != null) {
                    after.add(slot.channel::kill); // was stopping gracefully: no more waiting
                } else {
                    supervisor.stopLocked(slot, after, true);
                }
            }
            checkDrainedLocked(after);
        } finally {
            pool.lock.unlock();
        }
        after.forEach(Runnable::run);
        if (!cancelled.isEmpty()) {
            CancellationException error = new CancellationException("pool " + pool.name + " was terminated");
            cancelled.forEach(t -> fail(pool, t, error));
        }
        try {
            awaitTermination(TERMINATE_WAIT.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return kept;
    }

    /**
     * @param nanos how long to wait
     * @return whether the pool terminated (every worker exited)
     * @throws InterruptedException if interrupted
     */
    boolean awaitTermination(long nanos) throws InterruptedException {
        pool.lock.lock();
        try {
            while (pool.state != PoolState.State.TERMINATED) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = pool.terminated.awaitNanos(nanos);
            }
            return true;
        } finally {
            pool.lock.unlock();
        }
    }

    boolean isShutdown() {
        pool.lock.lock();
        try {
            return pool.state != PoolState.State.RUNNING;
        } finally {
            pool.lock.unlock();
        }
    }

    boolean isTerminated() {
        pool.lock.lock();
        try {
            return pool.state == PoolState.State.TERMINATED;
        } finally {
            pool.lock.unlock();
        }
    }

    /** @return pids of the workers started and not yet exited (for tests and diagnostics) */
    List<Long> workerPids() {
        pool.lock.lock();
        try {
            return pool.slots.stream().filter(s -> s.channel != null).map(WorkerSlot::pid).toList();
        } finally {
            pool.lock.unlock();
        }
    }
}
