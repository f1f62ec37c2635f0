package dev.multiproc.launcher.pool.internal;

import dev.multiproc.IpcException;
import dev.multiproc.WorkerLostException;
import dev.multiproc.launcher.internal.ChildRegistry;
import dev.multiproc.launcher.internal.StopPolicy;
import dev.multiproc.spi.log.Log;
import dev.multiproc.spi.wait.Timers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The workers' lives: starting them (in parallel, on short-lived starter threads), replacing those
 * that exit, stopping them ({@link StopPolicy}: ask by closing the channel, force after a grace),
 * and what a worker's end means for the tasks it held: those, and only those, fail with
 * {@link WorkerLostException} naming the worker and its exit code. A worker that ends before it
 * is ready is replaced after a back-off that grows with each such end in a row
 * ({@link #backOffMillis}). Workers that end <em>on their own</em> before they are ready (an exit
 * code, a crash signal: a broken class path, JVM option or initializer)
 * {@link #MAX_START_FAILURES} times in a row break the pool: it fails the pending tasks with the
 * exit codes and the last worker's stderr, instead of restarting for ever. Workers killed from
 * outside while starting (SIGKILL, SIGTERM, ...) never break it. Thread-safe: works under the
 * pool's lock and runs the rest after.
 */
final class WorkerSupervisor {
    private static final Log LOG = Log.of(WorkerSupervisor.class);
    /** Workers in a row that die before they are ready before the pool gives up. */
    static final int MAX_START_FAILURES = 3;
    /** How long a worker asked to stop (or whose channel ended) may take to exit before it is killed. */
    static final Duration STOP_GRACE = Duration.ofSeconds(5);
    /** How long after a worker's exit its reader may take to drain the channel before it is closed. */
    static final Duration DRAIN_GRACE = Duration.ofMillis(500);
    /** Back-off after the first worker in a row that ended before it was ready; doubled for each next one. */
    static final long FIRST_BACK_OFF_MILLIS = 25;
    /** The longest back-off. */
    static final long MAX_BACK_OFF_MILLIS = 2_000;
    /** Signals by which a JVM ends itself (abort, crash): a worker they end at start failed on its own. */
    private static final Set<Integer> CRASH_SIGNALS = Set.of(4, 6, 7, 8, 11);

    private final PoolState pool;
    private final TaskScheduler scheduler;
    private final WorkerStarter starter;

    WorkerSupervisor(PoolState pool, TaskScheduler scheduler, WorkerStarter starter) {
        this.pool = pool;
        this.scheduler = scheduler;
        this.starter = starter;
    }

    /** Starts workers until {@code processes} are starting or ready, while the pool wants them. */
    void topUpLocked(List<Runnable> after) {
        if (!pool.wantsWorkersLocked() || ChildRegistry.isExiting()) {
            return; // at this JVM's exit its daemon workers are stopped, not replaced
        }
        int active = 0;
        for (WorkerSlot slot : pool.slots) {
            if (slot.state == WorkerSlot.State.STARTING || slot.state == WorkerSlot.State.READY) {
                active++;
            }
        }
        long backOff = backOffMillis(pool.startFailuresInARow + pool.killedAtStartInARow);
        for (; active < pool.processes; active++) {
            int number = ++pool.workersStarted;
            WorkerSlot slot = new WorkerSlot(number, pool.name + "-Worker-" + number, pool.lock.newCondition());
            pool.slots.add(slot);
            Runnable start = () -> pool.thread("starter-" + number, () -> startWorker(slot)).start();
            after.add(backOff == 0 ? start
                    : () -> Timers.after(Duration.ofMillis(backOff), start));
        }
    }

    /**
     * @param endsInARow workers in a row that ended before they were ready
     * @return how long to wait before starting the next one
     */
    static long backOffMillis(int endsInARow) {
        return endsInARow == 0 ? 0 : Math.min(MAX_BACK_OFF_MILLIS, FIRST_BACK_OFF_MILLIS << Math.min(20, endsInARow - 1));
    }

    /** @return whether the worker was ended by a signal from outside (not an exit code, not a crash of its own) */
    static boolean killedFromOutside(OptionalInt code) {
        return code != null && code.isPresent() && code.getAsInt() < 0 && !CRASH_SIGNALS.contains(-code.getAsInt());
    }

    /** Asks a worker to stop (closes its channel), or kills it if it never got ready or {@code kill}. */
    void stopLocked(WorkerSlot slot, List<Runnable> after, boolean kill) {
        if (slot.state == WorkerSlot.State.STOPPED || slot.state == WorkerSlot.State.EXITED) {
            return;
        }
        slot.state = WorkerSlot.State.STOPPED;
        WorkerChannel channel = slot.channel;
        if (channel == null) {
            return; // still starting: killed as soon as the starter has it
        }
        if (kill || !slot.wasReady()) {
            after.add(channel::kill);
        } else {
            after.add(() -> StopPolicy.stopInBackground(stoppable(slot, channel), STOP_GRACE,
                    "it was asked to stop"));
        }
    }

    /** @return the worker as the stop policy sees it: asked by closing its channel, forced with SIGKILL */
    static StopPolicy.Stoppable stoppable(WorkerSlot slot, WorkerChannel channel) {
        return new StopPolicy.Stoppable() {
            @Override
            public void ask() {
                channel.close();
            }

            @Override
            public void force() {
                channel.kill();
            }

            @Override
            public CompletableFuture<?> exited() {
                return channel.exited();
            }

            @Override
            public String toString() {
                return "pool worker " + slot.name + " (pid " + channel.pid() + ")";
            }
        };
    }

    private void startWorker(WorkerSlot slot) {
        boolean stopped;
        pool.lock.lock();
        try {
            stopped = slot.state == WorkerSlot.State.STOPPED; // the pool closed during the back-off
            if (stopped) {
                slot.drained = true;
                slot.exitCode = OptionalInt.empty();
            }
        } finally {
            pool.lock.unlock();
        }
        if (stopped) {
            finish(slot);
            return;
        }
        WorkerChannel channel;
        try {
            channel = starter.start(slot.name, pool.initializer);
        } catch (Throwable e) {
            LOG.warn("pool {} could not start worker {}", pool.name, slot.name, e);
            pool.lock.lock();
            try {
                slot.startFailure = e;
                slot.drained = true;
                slot.exitCode = OptionalInt.empty();
            } finally {
                pool.lock.unlock();
            }
            finish(slot);
            return;
        }
        boolean stopNow;
        pool.lock.lock();
        try {
            slot.channel = channel;
            stopNow = slot.state == WorkerSlot.State.STOPPED;
        } finally {
            pool.lock.unlock();
        }
        if (stopNow) {
            channel.kill();
        }
        scheduler.reader().startReading(slot, channel);
        channel.exited().whenComplete((code, error) -> onExit(slot, channel, code == null ? OptionalInt.empty() : code));
    }

    private void onExit(WorkerSlot slot, WorkerChannel channel, OptionalInt code) {
        boolean drained;
        pool.lock.lock();
        try {
            slot.exitCode = code;
            drained = slot.drained;
            scheduler.reader().wakeReadersLocked();
        } finally {
            pool.lock.unlock();
        }
        if (drained) {
            finish(slot);
        } else {
            // Results the worker wrote before it died are still in the channel: let the reader
            // take them, then it finishes the slot. Close the channel if it does not end by itself.
            Timers.after(DRAIN_GRACE, channel::close);
        }
    }

    /**
     * The worker's channel has ended: once its process has exited too, fail what it held and
     * replace it; a process that does not exit after its channel ended is killed.
     */
    void channelEnded(WorkerSlot slot, WorkerChannel channel) {
        boolean exited;
        pool.lock.lock();
        try {
            slot.drained = true;
            exited = slot.exited();
        } finally {
            pool.lock.unlock();
        }
        if (exited) {
            finish(slot);
        } else {
            StopPolicy.forceIfNotGone(stoppable(slot, channel), STOP_GRACE, "it closed its channel");
        }
    }

    /** The worker has exited and its channel is drained: fail what it held, replace it. */
    void finish(WorkerSlot slot) {
        List<PoolTask> lost;
        List<PoolTask> refused = List.of();
        RuntimeException failure = null;
        List<Runnable> after = new ArrayList<>();
        List<WorkerSlot> touched = new ArrayList<>();
        pool.lock.lock();
        try {
            if (slot.state == WorkerSlot.State.EXITED) {
                return;
            }
            boolean expected = slot.state == WorkerSlot.State.STOPPED;
            slot.state = WorkerSlot.State.EXITED;
            pool.slots.remove(slot);
            lost = new ArrayList<>();
            List<PoolTask> neverStarted = new ArrayList<>();
            splitByStarted(slot, lost, neverStarted);
            slot.inFlight.clear();
            slot.batchOfTask.clear();
            for (int i = neverStarted.size() - 1; i >= 0; i--) {
                pool.pending.addFirst(neverStarted.get(i)); // another worker runs them, first
            }
            slot.outbox.clear();
            slot.unclaimed.clear();
            if (!expected && !slot.wasReady() && pool.broken == null) {
                failure = startEndedLocked(slot);
                if (failure != null) {
                    refused = breakLocked(failure);
                }
            }
            if (!expected && !lost.isEmpty()) {
                LOG.warn("pool worker {} (pid {}) died with exit code {} holding {} task(s); replacing it",
                        slot.name, slot.pid(), describe(slot.exitCode), lost.size());
            }
            topUpLocked(after);
            scheduler.dispatch().assignLocked(touched, after);
            scheduler.checkDrainedLocked(after);
        } finally {
            pool.lock.unlock();
        }
        WorkerChannel channel = slot.channel;
        if (channel != null) {
            channel.close();
        }
        after.forEach(Runnable::run);
        if (!touched.isEmpty()) {
            scheduler.dispatch().request();
        }
        if (!lost.isEmpty()) {
            WorkerLostException error = new WorkerLostException(slot.name, slot.pid(), slot.exitCode);
            lost.forEach(t -> TaskScheduler.fail(pool, t, error));
        }
        for (PoolTask t : refused) {
            TaskScheduler.fail(pool, t, failure);
        }
    }

    /**
     * Sorts the tasks a dead worker held: those of the oldest batch it was sent and had not
     * finished may have run (they fail); those of later batches, and those not yet written, never
     * started (they go to another worker).
     */
    private static void splitByStarted(WorkerSlot slot, List<PoolTask> mayHaveRun, List<PoolTask> neverStarted) {
        long running = Long.MAX_VALUE;
        for (PoolTask t : slot.inFlight.values()) {
            Long batch = slot.batchOfTask.get(t.id());
            if (batch != null) {
                running = Math.min(running, batch);
            }
        }
        for (PoolTask t : slot.inFlight.values()) {
            Long batch = slot.batchOfTask.get(t.id());
            if (batch != null && batch == running) {
                mayHaveRun.add(t);
            } else {
                neverStarted.add(t);
            }
        }
    }

    /**
     * A worker ended before it was ready: counted for the back-off, and, if it ended on its own,
     * toward giving up.
     *
     * @return why the pool gives up, or null
     */
    private RuntimeException startEndedLocked(WorkerSlot slot) {
        if (killedFromOutside(slot.exitCode)) {
            pool.killedAtStartInARow++;
            LOG.warn("pool {}: worker {} (pid {}) was killed by signal {} before it was ready; starting another in {} ms",
                    pool.name, slot.name, slot.pid(), -slot.exitCode.getAsInt(),
                    backOffMillis(pool.startFailuresInARow + pool.killedAtStartInARow));
            return null;
        }
        pool.startFailureCodes.add(describe(slot.exitCode));
        if (++pool.startFailuresInARow < MAX_START_FAILURES) {
            LOG.warn("pool {}: worker {} (pid {}) exited with exit code {} before it was ready; starting another",
                    pool.name, slot.name, slot.pid(), describe(slot.exitCode));
            return null;
        }
        WorkerChannel channel = slot.channel;
        String stderr = channel == null ? "" : channel.stderrTail().strip();
        return new IpcException("pool " + pool.name + " cannot start workers: " + pool.startFailuresInARow
                + " in a row exited on their own before they were ready (exit codes " + String.join(", ", pool.startFailureCodes)
                + "); the last, " + slot.name + " (pid " + slot.pid() + "), with exit code " + describe(slot.exitCode)
                + (stderr.isEmpty() ? ", wrote nothing to stderr" : ", wrote to stderr:\n" + stderr), slot.startFailure);
    }

    /** Marks the pool unable to run tasks; returns the pending tasks, to fail with {@code cause}. */
    List<PoolTask> breakLocked(RuntimeException cause) {
        pool.broken = cause;
        List<PoolTask> refused = new ArrayList<>(pool.pending);
        pool.pending.clear();
        return refused;
    }

    static String describe(OptionalInt code) {
        return code == null || code.isEmpty() ? "unknown" : String.valueOf(code.getAsInt());
    }
}
