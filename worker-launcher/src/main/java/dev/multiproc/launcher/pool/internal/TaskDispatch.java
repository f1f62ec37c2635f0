package dev.multiproc.launcher.pool.internal;


import dev.multiproc.spi.log.Log;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Which worker runs which task, and the writing of tasks to the workers' channels.
 *
 * <p>Assignment ({@link #assignLocked}): pending tasks go to ready workers with room, round-robin,
 * one task at a time. A task is queued behind another at a worker only when no worker is idle or
 * starting: otherwise it waits in the pool for the first worker that is free (as in Python, where
 * workers pull from one queue), so two tasks submitted to a new pool run on two workers. Each
 * worker holds at most a window of tasks sized so that about {@link #QUEUED_WORK_NANOS} of work
 * waits at it (from the run times it reports; one task until it has reported one): thousands of
 * tiny tasks travel in large batches, long tasks go one at a time, so no worker hoards work. A task
 * already sent stays with its worker (the worker runs a batch in order).
 *
 * <p>Writing ({@link #flush}): callers write the tasks they assigned themselves, for latency; a
 * dispatcher thread ({@code multiproc-pool-N-dispatcher}) writes the tasks assigned when results
 * freed room, so that threads reading reports never write (a worker blocked writing results can
 * always be drained). Thread-safe.
 */
final class TaskDispatch {
    private static final Log LOG = Log.of(TaskDispatch.class);
    /** Work kept queued at each worker, beyond the task it runs. */
    static final long QUEUED_WORK_NANOS = 2_000_000;
    /** Tasks a worker may hold before its first result tells how long they take. */
    static final int INITIAL_WINDOW = 1;
    /** Most tasks a worker may hold. */
    static final int MAX_WINDOW = 512;
    /** Largest batch written in one frame (at least one task is always written). */
    static final int MAX_BATCH_BYTES = 1 << 20;

    private final PoolState pool;
    private final TaskScheduler scheduler;
    private final Semaphore signal = new Semaphore(0);
    private final AtomicBoolean requested = new AtomicBoolean();
    private final Thread thread;
    private volatile boolean stopped;

    TaskDispatch(PoolState pool, TaskScheduler scheduler) {
        this.pool = pool;
        this.scheduler = scheduler;
        this.thread = pool.thread("dispatcher", this::loop);
    }

    void start() {
        thread.start();
    }

    /** Ends the dispatcher thread. */
    void stop() {
        stopped = true;
        signal.release();
    }

    /**
     * Moves pending tasks to ready workers with room, round-robin, one task at a time.
     *
     * @param touched collects the workers that got tasks, to write them
     * @param after   collects actions to run after unlocking (starting replacement workers)
     */
    void assignLocked(List<WorkerSlot> touched, List<Runnable> after) {
        boolean progress = true;
        while (progress && !pool.pending.isEmpty()) {
            progress = false;
            boolean someoneFree = anyWorkerIdleOrStartingLocked();
            for (int i = 0; i < pool.slots.size() && !pool.pending.isEmpty(); i++) {
                WorkerSlot slot = pool.slots.get(i);
                if (slot.state != WorkerSlot.State.READY || room(slot) <= 0) {
                    continue;
                }
                if (someoneFree && !slot.inFlight.isEmpty()) {
                    continue; // the task would wait behind a busy worker while another is free or about to be
                }
                PoolTask task = pollWantedLocked();
                if (task == null) {
                    break;
                }
                slot.inFlight.put(task.id(), task);
                slot.outbox.add(task);
                scheduler.reader().assignedLocked(slot, task);
                slot.assigned++;
                progress = true;
                if (!touched.contains(slot)) {
                    touched.add(slot);
                }
                if (pool.maxTasksPerChild > 0 && slot.assigned >= pool.maxTasksPerChild) {
                    slot.state = WorkerSlot.State.RETIRING;
                    scheduler.supervisor().topUpLocked(after);
                }
            }
        }
        scheduler.reader().wakeReadersLocked();
    }

    /** @return whether a worker is starting, or ready with nothing to do */
    private boolean anyWorkerIdleOrStartingLocked() {
        for (WorkerSlot slot : pool.slots) {
            if (slot.state == WorkerSlot.State.STARTING
                    || (slot.state == WorkerSlot.State.READY && slot.inFlight.isEmpty() && room(slot) > 0)) {
                return true;
            }
        }
        return false;
    }

    private PoolTask pollWantedLocked() {
        PoolTask task;
        while ((task = pool.pending.poll()) != null && task.sink().abandoned()) {
            // nobody waits for it any more (a map that already failed, a cancelled future)
        }
        return task;
    }

    private int room(WorkerSlot slot) {
        int window = slot.averageRunNanos < 0 ? INITIAL_WINDOW
                : (int) Math.max(1, Math.min(MAX_WINDOW, QUEUED_WORK_NANOS / Math.max(1.0, slot.averageRunNanos)));
        int room = window - slot.inFlight.size();
        if (pool.maxTasksPerChild > 0) {
            room = Math.min(room, pool.maxTasksPerChild - slot.assigned);
        }
        return room;
    }

    /** Asks the dispatcher thread to write what was assigned (called by threads that must not write). */
    void request() {
        if (requested.compareAndSet(false, true)) {
            signal.release();
        }
    }

    private void loop() {
        while (!stopped) {
            signal.acquireUninterruptibly();
            requested.set(false);
            List<WorkerSlot> ready = new ArrayList<>();
            pool.lock.lock();
            try {
                for (WorkerSlot slot : pool.slots) {
                    if (!slot.outbox.isEmpty()) {
                        ready.add(slot);
                    }
                }
            } finally {
                pool.lock.unlock();
            }
            for (WorkerSlot slot : ready) {
                flush(slot);
            }
        }
    }

    /**
     * Writes the worker's outbox to its channel. One writer per worker at a time: a thread that
     * finds another writing leaves its tasks to it (the writer looks again after it lets go).
     *
     * @param slot the worker
     */
    void flush(WorkerSlot slot) {
        while (slot.sendLock.tryLock()) {
            try {
                writeOutbox(slot);
            } finally {
                slot.sendLock.unlock();
            }
            pool.lock.lock();
            try {
                if (slot.outbox.isEmpty()) {
                    return;
                }
            } finally {
                pool.lock.unlock();
            }
        }
    }

    /** Writes batches until the outbox is empty; the caller holds the worker's send lock. */
    private void writeOutbox(WorkerSlot slot) {
        while (true) {
            List<PoolTask> batch = new ArrayList<>();
            WorkerChannel channel;
            pool.lock.lock();
            try {
                channel = slot.channel;
                long bytes = 0;
                long number = slot.batchesWritten + 1;
                while (!slot.outbox.isEmpty() && (batch.isEmpty() || bytes < MAX_BATCH_BYTES)) {
                    PoolTask t = slot.outbox.poll();
                    batch.add(t);
                    slot.batchOfTask.put(t.id(), number);
                    bytes += t.function().length + t.inputs().length;
                }
                if (!batch.isEmpty()) {
                    slot.batchesWritten = number;
                }
            } finally {
                pool.lock.unlock();
            }
            if (batch.isEmpty()) {
                return;
            }
            byte[] frame = TaskCodec.encodeBatch(slot, batch);
            try {
                channel.send(frame);
            } catch (RuntimeException e) {
                // The worker is gone, or its channel cannot carry this frame: either way the
                // tasks it holds fail through the exit path, never hang.
                LOG.warn("pool {}: writing {} task(s) to worker {} failed; killing it", pool.name, batch.size(),
                        slot.name, e);
                channel.kill();
            }
        }
    }
}
