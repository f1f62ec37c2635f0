package dev.multiproc.launcher.pool.internal;

import dev.multiproc.IpcException;
import dev.multiproc.spi.RemoteErrors;
import dev.multiproc.spi.log.Log;
import dev.multiproc.wire.TaskResult;
import dev.multiproc.wire.WorkerReport;

import java.util.ArrayList;
import java.util.List;

/**
 * What a worker's report means: a worker that is ready gets tasks; one whose initializer failed
 * breaks the pool; results complete their tasks (their sinks are called after the pool's lock is
 * released, in the thread that read the report) and free room at the worker, which new
 * assignments fill. Thread-safe.
 */
final class ReportHandler {
    private static final Log LOG = Log.of(ReportHandler.class);

    private final PoolState pool;
    private final TaskScheduler scheduler;

    ReportHandler(PoolState pool, TaskScheduler scheduler) {
        this.pool = pool;
        this.scheduler = scheduler;
    }

    void onReport(WorkerSlot slot, WorkerReport report) {
        if (report.getReady()) {
            onReady(slot);
        } else if (report.hasInitError()) {
            onInitError(slot, report);
        } else {
            onResults(slot, report.getResultsList());
        }
    }

    private void onReady(WorkerSlot slot) {
        List<WorkerSlot> touched = new ArrayList<>();
        List<Runnable> after = new ArrayList<>();
        pool.lock.lock();
        try {
            slot.readyNanos = Math.max(1, System.nanoTime());
            if (slot.state == WorkerSlot.State.STARTING) {
                slot.state = WorkerSlot.State.READY;
                pool.startFailuresInARow = 0;
                pool.startFailureCodes.clear();
                pool.killedAtStartInARow = 0;
                scheduler.dispatch().assignLocked(touched, after);
            }
        } finally {
            pool.lock.unlock();
        }
        after.forEach(Runnable::run);
        if (!touched.isEmpty()) {
            scheduler.dispatch().request();
        }
    }

    private void onInitError(WorkerSlot slot, WorkerReport report) {
        IpcException error = new IpcException("pool " + pool.name + " cannot run tasks: the initializer failed in worker "
                + slot.name, RemoteErrors.toRemoteException(report.getInitError(), pool.serializer));
        List<PoolTask> refused;
        pool.lock.lock();
        try {
            if (pool.broken != null) {
                return;
            }
            refused = scheduler.supervisor().breakLocked(error);
        } finally {
            pool.lock.unlock();
        }
        LOG.error("pool {}: initializer failed in worker {}", pool.name, slot.name, error.getCause());
        refused.forEach(t -> TaskScheduler.fail(pool, t, error));
    }

    private void onResults(WorkerSlot slot, List<TaskResult> results) {
        List<PoolTask> done = new ArrayList<>(results.size());
        List<WorkerSlot> touched = new ArrayList<>();
        List<Runnable> after = new ArrayList<>();
        pool.lock.lock();
        try {
            for (TaskResult result : results) {
                PoolTask task = slot.inFlight.remove(result.getTaskId());
                slot.batchOfTask.remove(result.getTaskId());
                slot.unclaimed.remove(result.getTaskId());
                done.add(task);
                double run = result.getRunNanos();
                slot.averageRunNanos = slot.averageRunNanos < 0 ? run : 0.8 * slot.averageRunNanos + 0.2 * run;
            }
            if (slot.state == WorkerSlot.State.RETIRING && slot.inFlight.isEmpty()) {
                scheduler.supervisor().stopLocked(slot, after, false);
            }
            scheduler.dispatch().assignLocked(touched, after);
            scheduler.checkDrainedLocked(after);
        } finally {
            pool.lock.unlock();
        }
        if (!touched.isEmpty()) {
            scheduler.dispatch().request();
        }
        for (int i = 0; i < results.size(); i++) {
            PoolTask task = done.get(i);
            if (task == null) {
                continue; // terminated meanwhile: already failed
            }
            try {
                task.sink().completed(task, results.get(i));
            } catch (Throwable e) {
                LOG.error("pool {}: delivering the result of task {} failed", pool.name, task.id(), e);
            }
        }
        after.forEach(Runnable::run);
    }
}
