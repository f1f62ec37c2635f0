package dev.multiproc.launcher.pool.internal;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import dev.multiproc.IpcException;
import dev.multiproc.ProcessTarget;
import dev.multiproc.Serializer;
import dev.multiproc.WorkerLostException;
import dev.multiproc.spi.RemoteErrors;
import dev.multiproc.wire.Task;
import dev.multiproc.wire.TaskBatch;
import dev.multiproc.wire.TaskResult;
import dev.multiproc.wire.WorkerReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The heart of a pool: pending tasks, the workers and what each holds, assignment, results,
 * worker loss and replacement, shutdown and termination. Transport-free: it sees workers only
 * through {@link WorkerChannel}s made by a {@link WorkerStarter}.
 *
 * <p>Threads: callers submit (and write the tasks they assigned to the workers' channels
 * themselves, for latency); one reader per worker turns its reports into results; the
 * dispatcher writes tasks assigned when results freed room (readers never write, so a worker
 * blocked writing results can always be drained); starter threads start workers in parallel.
 * All state is guarded by one lock, never held while writing to a channel, starting a process
 * or calling a {@link TaskSink}.
 *
 * <p>Who reads a worker's reports: its reader thread, except while the worker holds nothing but
 * results nobody has asked for yet ({@link TaskSink#unclaimed()}: a call's future before anyone
 * waits on it or adds a stage to it). The reader then waits aside, and the first caller that
 * waits for one of those results reads the channel itself for up to
 * {@link SpinningFuture#READ_NANOS}, then gives it back. A result then travels worker to caller
 * directly: two context switches on one CPU instead of three (worker, reader, caller). Results
 * nobody asks for are claimed by the {@link UnclaimedSweeper} within two of its periods, so the
 * reader always gets to them; and since the sweeper never writes, a worker that stopped reading
 * tasks because nobody read its results is always drained.
 *
 * <p>Flow control: each worker holds at most a window of tasks, sized so that about
 * {@link #QUEUED_WORK_NANOS} of work waits at it (from the run times it reports): thousands of
 * tiny tasks travel in large batches, long tasks go one at a time, so no worker hoards work.
 */
final class TaskScheduler implements SpinningFuture.ResultSource {
    private static final Logger LOG = LoggerFactory.getLogger(TaskScheduler.class);

    /** Work kept queued at each worker, beyond the task it runs. */
    static final long QUEUED_WORK_NANOS = 2_000_000;
    /** Tasks a worker may hold before its first result tells how long they take. */
    static final int INITIAL_WINDOW = 2;
    /** Most tasks a worker may hold. */
    static final int MAX_WINDOW = 512;
    /** Largest batch written in one frame (at least one task is always written). */
    static final int MAX_BATCH_BYTES = 1 << 20;
    /** Workers in a row that die before they are ready before the pool gives up. */
    static final int MAX_START_FAILURES = 3;
    /** How long a worker asked to stop (or whose channel ended) may take to exit before it is killed. */
    static final Duration STOP_GRACE = Duration.ofSeconds(5);
    /** How long after a worker's exit its reader may take to drain the channel before it is closed. */
    static final Duration DRAIN_GRACE = Duration.ofMillis(500);
    /** How long terminate() waits for killed workers to exit. */
    static final Duration TERMINATE_WAIT = Duration.ofMillis(1500);

    /** Pool states, in order. */
    enum State { RUNNING, SHUTDOWN, STOPPING, TERMINATED }

    private final String name;
    private final String threadPrefix;
    private final int processes;
    private final int maxTasksPerChild;
    private final ProcessTarget initializer;
    private final WorkerStarter starter;
    private final Serializer serializer;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition terminatedCondition = lock.newCondition();
    private final ArrayDeque<PoolTask> pending = new ArrayDeque<>();
    private final List<WorkerSlot> slots = new ArrayList<>();
    private State state = State.RUNNING;
    private RuntimeException broken;
    private int workersStarted;
    private int startFailuresInARow;

    private final AtomicLong taskIds = new AtomicLong();
    private final AtomicLong functionIds = new AtomicLong();
    private final Semaphore dispatchSignal = new Semaphore(0);
    private final AtomicBoolean dispatchRequested = new AtomicBoolean();
    private volatile boolean dispatcherStopped;
    private final Thread dispatcher;
    private final UnclaimedSweeper sweeper;
    /** The worker whose reports this thread reads now: as its reader thread, or as a caller waiting for a result. */
    private final ThreadLocal<WorkerSlot> readingHere = new ThreadLocal<>();
    /** Sweeps of unclaimed results so far; stamps each unclaimed task when it is assigned. */
    private long sweeps;
    /** Whether an unclaimed task was assigned since the last sweep. */
    private boolean unclaimedAssigned;

    /**
     * @param name             the pool's name, e.g. {@code Pool-1}; workers are {@code Pool-1-Worker-N}
     * @param processes        workers to keep
     * @param maxTasksPerChild tasks after which a worker is replaced; 0 for never
     * @param initializer      run once in each worker, or null
     * @param starter          starts workers
     * @param serializer       reads errors that travel in results
     */
    TaskScheduler(String name, int processes, int maxTasksPerChild, ProcessTarget initializer,
                  WorkerStarter starter, Serializer serializer) {
        this.name = name;
        this.threadPrefix = "multiproc-" + name.toLowerCase(java.util.Locale.ROOT);
        this.processes = processes;
        this.maxTasksPerChild = maxTasksPerChild;
        this.initializer = initializer;
        this.starter = starter;
        this.serializer = serializer;
        this.dispatcher = new Thread(this::dispatchLoop, threadPrefix + "-dispatcher");
        this.dispatcher.setDaemon(true);
        this.sweeper = new UnclaimedSweeper(threadPrefix + "-sweeper", new UnclaimedSweeper.Sweep() {
            @Override
            public boolean run() {
                return sweepUnclaimed();
            }

            @Override
            public boolean pending() {
                return hasUnclaimed();
            }
        });
    }

    /** Starts the dispatcher and the workers, in parallel; returns without waiting for them. */
    void start() {
        dispatcher.start();
        sweeper.start();
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            topUpWorkersLocked(after);
        } finally {
            lock.unlock();
        }
        after.forEach(Runnable::run);
    }

    String name() {
        return name;
    }

    int processes() {
        return processes;
    }

    long newTaskId() {
        return taskIds.incrementAndGet();
    }

    long newFunctionId() {
        return functionIds.incrementAndGet();
    }

    /** @throws RejectedExecutionException unless the pool takes tasks */
    void checkRunning() {
        lock.lock();
        try {
            checkRunningLocked();
        } finally {
            lock.unlock();
        }
    }

    private void checkRunningLocked() {
        if (state != State.RUNNING) {
            throw new RejectedExecutionException("pool " + name + " is " + state.name().toLowerCase(java.util.Locale.ROOT)
                    + " and takes no new tasks");
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
        lock.lock();
        try {
            checkRunningLocked();
            failure = broken;
            if (failure == null) {
                pending.addAll(tasks);
                assignLocked(touched, after);
            }
        } finally {
            lock.unlock();
        }
        if (failure != null) {
            tasks.forEach(t -> fail(t, failure));
            return;
        }
        after.forEach(Runnable::run);
        for (WorkerSlot slot : touched) {
            flush(slot);
        }
    }

    // ---------------------------------------------------------------- assignment (under lock)

    /** Moves pending tasks to ready workers with room, round-robin, one task at a time. */
    private void assignLocked(List<WorkerSlot> touched, List<Runnable> after) {
        boolean progress = true;
        while (progress && !pending.isEmpty()) {
            progress = false;
            for (int i = 0; i < slots.size() && !pending.isEmpty(); i++) {
                WorkerSlot slot = slots.get(i);
                if (slot.state != WorkerSlot.State.READY || room(slot) <= 0) {
                    continue;
                }
                PoolTask task = pollWantedLocked();
                if (task == null) {
                    break;
                }
                slot.inFlight.put(task.id(), task);
                slot.outbox.add(task);
                if (task.sink().unclaimed()) {
                    slot.unclaimed.put(task.id(), sweeps);
                    unclaimedAssigned = true;
                    sweeper.wake();
                }
                slot.assigned++;
                progress = true;
                if (!touched.contains(slot)) {
                    touched.add(slot);
                }
                if (maxTasksPerChild > 0 && slot.assigned >= maxTasksPerChild) {
                    slot.state = WorkerSlot.State.RETIRING;
                    topUpWorkersLocked(after);
                }
            }
        }
        wakeReadersLocked();
    }

    private PoolTask pollWantedLocked() {
        PoolTask task;
        while ((task = pending.poll()) != null && task.sink().abandoned()) {
            // nobody waits for it any more (a map that already failed, a cancelled future)
        }
        return task;
    }

    private int room(WorkerSlot slot) {
        int window = slot.averageRunNanos < 0 ? INITIAL_WINDOW
                : (int) Math.max(1, Math.min(MAX_WINDOW, QUEUED_WORK_NANOS / Math.max(1.0, slot.averageRunNanos)));
        int room = window - slot.inFlight.size();
        if (maxTasksPerChild > 0) {
            room = Math.min(room, maxTasksPerChild - slot.assigned);
        }
        return room;
    }

    /** Starts workers until {@code processes} are starting or ready, while the pool needs them. */
    private void topUpWorkersLocked(List<Runnable> after) {
        boolean wanted = broken == null
                && (state == State.RUNNING || (state == State.SHUTDOWN && hasWorkLocked()));
        if (!wanted) {
            return;
        }
        int active = 0;
        for (WorkerSlot slot : slots) {
            if (slot.state == WorkerSlot.State.STARTING || slot.state == WorkerSlot.State.READY) {
                active++;
            }
        }
        for (; active < processes; active++) {
            WorkerSlot slot = new WorkerSlot(++workersStarted, name + "-Worker-" + workersStarted, lock.newCondition());
            slots.add(slot);
            after.add(() -> startThread(slot));
        }
    }

    private boolean hasWorkLocked() {
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

    /** After shutdown: once all work is done, stops the workers; once they are gone, terminates. */
    private void checkDrainedLocked(List<Runnable> after) {
        if (state == State.SHUTDOWN && !hasWorkLocked()) {
            state = State.STOPPING;
            for (WorkerSlot slot : slots) {
                stopLocked(slot, after, false);
            }
        }
        if (state == State.STOPPING && slots.isEmpty()) {
            state = State.TERMINATED;
            terminatedCondition.signalAll();
            dispatcherStopped = true;
            dispatchSignal.release();
            sweeper.stop();
            LOG.debug("pool {} terminated", name);
        }
        wakeReadersLocked();
    }

    /** Asks a worker to stop (closes its channel), or kills it if it never got ready or {@code kill}. */
    private void stopLocked(WorkerSlot slot, List<Runnable> after, boolean kill) {
        if (slot.state == WorkerSlot.State.STOPPED || slot.state == WorkerSlot.State.EXITED) {
            return;
        }
        slot.state = WorkerSlot.State.STOPPED;
        WorkerChannel channel = slot.channel;
        if (channel == null) {
            return; // still starting: killed as soon as the starter has it
        }
        if (kill || !slot.everReady) {
            after.add(channel::kill);
        } else {
            after.add(() -> stopGracefully(slot, channel));
        }
    }

    private void stopGracefully(WorkerSlot slot, WorkerChannel channel) {
        channel.close();
        channel.exited().copy().orTimeout(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)
                .exceptionally(timeout -> {
                    LOG.warn("pool worker {} (pid {}) did not exit within {} ms of being asked to stop; killing it",
                            slot.name, channel.pid(), STOP_GRACE.toMillis());
                    channel.kill();
                    return null;
                });
    }

    // ---------------------------------------------------------------- workers

    private void startThread(WorkerSlot slot) {
        Thread t = new Thread(() -> startWorker(slot), threadPrefix + "-starter-" + slot.number);
        t.setDaemon(true);
        t.start();
    }

    private void startWorker(WorkerSlot slot) {
        WorkerChannel channel;
        try {
            channel = starter.start(slot.name, initializer);
        } catch (Throwable e) {
            LOG.warn("pool {} could not start worker {}", name, slot.name, e);
            lock.lock();
            try {
                slot.startFailure = e;
                slot.readerDone = true;
                slot.exitCode = OptionalInt.empty();
            } finally {
                lock.unlock();
            }
            finish(slot);
            return;
        }
        boolean stopNow;
        lock.lock();
        try {
            slot.channel = channel;
            stopNow = slot.state == WorkerSlot.State.STOPPED;
        } finally {
            lock.unlock();
        }
        if (stopNow) {
            channel.kill();
        }
        Thread reader = new Thread(() -> readLoop(slot, channel), threadPrefix + "-reader-" + slot.number);
        reader.setDaemon(true);
        slot.readerThread = reader;
        reader.start();
        channel.exited().whenComplete((code, error) -> onExit(slot, channel,
                code == null ? OptionalInt.empty() : code));
    }

    private void readLoop(WorkerSlot slot, WorkerChannel channel) {
        readingHere.set(slot);
        do {
            awaitReaderTurn(slot);
        } while (readReport(slot, channel, false));
        endReading(slot, channel);
    }

    /** The worker's channel has ended: once the worker has exited too, fail what it held and replace it. */
    private void endReading(WorkerSlot slot, WorkerChannel channel) {
        boolean exited;
        lock.lock();
        try {
            slot.readerDone = true;
            exited = slot.exitCode != null;
        } finally {
            lock.unlock();
        }
        if (exited) {
            finish(slot);
            return;
        }
        try {
            channel.exited().get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("pool worker {} (pid {}) closed its channel but did not exit within {} ms; killing it",
                    slot.name, channel.pid(), STOP_GRACE.toMillis());
            channel.kill();
        } catch (InterruptedException | ExecutionException e) {
            channel.kill();
        }
    }

    /** Waits until the reader thread has a reason to read the worker's channel and no caller reads it. */
    private void awaitReaderTurn(WorkerSlot slot) {
        lock.lock();
        try {
            while (slot.leader != null || !readerNeededLocked(slot)) {
                slot.readerIdle = true;
                slot.readerWake.awaitUninterruptibly();
            }
            slot.readerIdle = false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether the worker's reports must be read as they come: it holds a result someone asked
     * for, it is starting or stopping, the pool waits for room, or its channel needs finishing.
     */
    private boolean readerNeededLocked(WorkerSlot slot) {
        return slot.state != WorkerSlot.State.READY || state != State.RUNNING || slot.exitCode != null
                || slot.channelEnded || !pending.isEmpty() || slot.inFlight.size() > slot.unclaimed.size();
    }

    /** Wakes the reader threads that wait aside but now have a reason to read. */
    private void wakeReadersLocked() {
        for (WorkerSlot slot : slots) {
            if (slot.readerIdle && slot.leader == null && readerNeededLocked(slot)) {
                slot.readerIdle = false;
                slot.readerWake.signal();
            }
        }
    }

    /**
     * Reads one report from the worker and acts on it.
     *
     * @param polled whether {@link WorkerChannel#poll} has just said the channel is readable
     * @return false once the channel has ended or cannot be read any more (the worker is then killed)
     */
    private boolean readReport(WorkerSlot slot, WorkerChannel channel, boolean polled) {
        try {
            byte[] frame;
            try {
                frame = polled ? channel.receivePolled() : channel.receive();
            } catch (RuntimeException endOfStream) {
                LOG.debug("pool worker {} channel ended: {}", slot.name, endOfStream.toString());
                return false;
            }
            WorkerReport report;
            try {
                report = WorkerReport.parseFrom(frame);
            } catch (InvalidProtocolBufferException e) {
                LOG.error("pool worker {} (pid {}) sent a corrupt report of {} bytes; killing it",
                        slot.name, channel.pid(), frame.length, e);
                channel.kill();
                return false;
            }
            onReport(slot, report);
            return true;
        } catch (Throwable unexpected) {
            LOG.error("pool {} reading worker {} failed; killing the worker", name, slot.name, unexpected);
            channel.kill();
            return false;
        }
    }

    private void onExit(WorkerSlot slot, WorkerChannel channel, OptionalInt code) {
        boolean drained;
        lock.lock();
        try {
            slot.exitCode = code;
            drained = slot.readerDone;
            wakeReadersLocked();
        } finally {
            lock.unlock();
        }
        if (drained) {
            finish(slot);
        } else {
            // Results the worker wrote before it died are still in the channel: let the reader
            // take them, then it finishes the slot. Close the channel if it does not end by itself.
            CompletableFuture.delayedExecutor(DRAIN_GRACE.toMillis(), TimeUnit.MILLISECONDS)
                    .execute(channel::close);
        }
    }

    /** The worker has exited and its channel is drained: fail what it held, replace it. */
    private void finish(WorkerSlot slot) {
        List<PoolTask> lost;
        List<PoolTask> refused = List.of();
        RuntimeException failure = null;
        List<Runnable> after = new ArrayList<>();
        List<WorkerSlot> touched = new ArrayList<>();
        lock.lock();
        try {
            if (slot.state == WorkerSlot.State.EXITED) {
                return;
            }
            boolean expected = slot.state == WorkerSlot.State.STOPPED;
            slot.state = WorkerSlot.State.EXITED;
            slots.remove(slot);
            lost = new ArrayList<>(slot.inFlight.values());
            slot.inFlight.clear();
            slot.outbox.clear();
            slot.unclaimed.clear();
            if (!expected && !slot.everReady && broken == null) {
                if (++startFailuresInARow >= MAX_START_FAILURES) {
                    IpcException e = new IpcException("pool " + name + " cannot start workers: " + startFailuresInARow
                            + " in a row exited before they were ready, the last, " + slot.name + " (pid " + slot.pid()
                            + "), with exit code " + describe(slot.exitCode), slot.startFailure);
                    refused = breakLocked(e);
                    failure = e;
                }
            }
            if (!expected && !lost.isEmpty()) {
                LOG.warn("pool worker {} (pid {}) died with exit code {} holding {} task(s); replacing it",
                        slot.name, slot.pid(), describe(slot.exitCode), lost.size());
            }
            topUpWorkersLocked(after);
            assignLocked(touched, after);
            checkDrainedLocked(after);
        } finally {
            lock.unlock();
        }
        WorkerChannel channel = slot.channel;
        if (channel != null) {
            channel.close();
        }
        after.forEach(Runnable::run);
        if (!touched.isEmpty()) {
            requestDispatch();
        }
        if (!lost.isEmpty()) {
            WorkerLostException error = new WorkerLostException(slot.name, slot.pid(), slot.exitCode);
            lost.forEach(t -> fail(t, error));
        }
        for (PoolTask t : refused) {
            fail(t, failure);
        }
    }

    private static String describe(OptionalInt code) {
        return code.isPresent() ? String.valueOf(code.getAsInt()) : "unknown";
    }

    /** Marks the pool unable to run tasks; returns the pending tasks, to fail with {@code cause}. */
    private List<PoolTask> breakLocked(RuntimeException cause) {
        broken = cause;
        List<PoolTask> refused = new ArrayList<>(pending);
        pending.clear();
        return refused;
    }

    // ---------------------------------------------------------------- reports

    private void onReport(WorkerSlot slot, WorkerReport report) {
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
        lock.lock();
        try {
            slot.everReady = true;
            if (slot.state == WorkerSlot.State.STARTING) {
                slot.state = WorkerSlot.State.READY;
                startFailuresInARow = 0;
                assignLocked(touched, after);
            }
        } finally {
            lock.unlock();
        }
        after.forEach(Runnable::run);
        if (!touched.isEmpty()) {
            requestDispatch();
        }
    }

    private void onInitError(WorkerSlot slot, WorkerReport report) {
        IpcException error = new IpcException("pool " + name + " cannot run tasks: the initializer failed in worker "
                + slot.name, RemoteErrors.toRemoteException(report.getInitError(), serializer));
        List<PoolTask> refused;
        lock.lock();
        try {
            if (broken != null) {
                return;
            }
            refused = breakLocked(error);
        } finally {
            lock.unlock();
        }
        LOG.error("pool {}: initializer failed in worker {}", name, slot.name, error.getCause());
        refused.forEach(t -> fail(t, error));
    }

    private void onResults(WorkerSlot slot, List<TaskResult> results) {
        List<PoolTask> done = new ArrayList<>(results.size());
        List<WorkerSlot> touched = new ArrayList<>();
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            for (TaskResult result : results) {
                PoolTask task = slot.inFlight.remove(result.getTaskId());
                slot.unclaimed.remove(result.getTaskId());
                done.add(task);
                double run = result.getRunNanos();
                slot.averageRunNanos = slot.averageRunNanos < 0 ? run : 0.8 * slot.averageRunNanos + 0.2 * run;
            }
            if (slot.state == WorkerSlot.State.RETIRING && slot.inFlight.isEmpty()) {
                stopLocked(slot, after, false);
            }
            assignLocked(touched, after);
            checkDrainedLocked(after);
        } finally {
            lock.unlock();
        }
        if (!touched.isEmpty()) {
            requestDispatch();
        }
        for (int i = 0; i < results.size(); i++) {
            PoolTask task = done.get(i);
            if (task == null) {
                continue; // terminated meanwhile: already failed
            }
            try {
                task.sink().completed(task, results.get(i));
            } catch (Throwable e) {
                LOG.error("pool {}: delivering the result of task {} failed", name, task.id(), e);
            }
        }
        after.forEach(Runnable::run);
    }

    // ---------------------------------------------------------------- results read by callers

    @Override
    public void claim(long taskId) {
        lock.lock();
        try {
            if (claimLocked(taskId) != null) {
                wakeReadersLocked();
            }
        } finally {
            lock.unlock();
        }
    }

    /** @return the worker holding the task, or null if it is not sent yet or done */
    private WorkerSlot claimLocked(long taskId) {
        for (WorkerSlot slot : slots) {
            if (slot.inFlight.containsKey(taskId)) {
                slot.unclaimed.remove(taskId);
                return slot;
            }
        }
        return null;
    }

    @Override
    public boolean claimAndRead(long taskId, SpinningFuture<?> future, long limitNanos) {
        WorkerSlot reading = readingHere.get();
        if (reading != null) {
            claim(taskId);
            readNested(reading, future, limitNanos);
            return true;
        }
        WorkerSlot slot;
        WorkerChannel channel;
        Thread me = Thread.currentThread();
        lock.lock();
        try {
            slot = claimLocked(taskId);
            if (slot == null) {
                return false; // not sent yet: its result is read as it comes
            }
            channel = slot.channel;
            if (!slot.readerIdle || slot.leader != null || slot.state != WorkerSlot.State.READY || channel == null) {
                wakeReadersLocked();
                return false;
            }
            slot.leader = me;
        } finally {
            lock.unlock();
        }
        boolean ended = true;
        readingHere.set(slot);
        try {
            ended = !readUntilDone(slot, channel, future, System.nanoTime() + Math.min(limitNanos, SpinningFuture.READ_NANOS));
        } finally {
            readingHere.remove();
            lock.lock();
            try {
                if (slot.leader == me) {
                    slot.leader = null;
                }
                slot.channelEnded |= ended;
                wakeReadersLocked();
            } finally {
                lock.unlock();
            }
        }
        return true;
    }

    /**
     * A callback run by a thread that reads a worker's reports (its reader thread, or a caller
     * reading for its own result) waits for another result. Nobody else reads that worker
     * meanwhile, so the thread reads on until the result is there; if the channel ends under
     * it, it lets the worker's end run now, which fails or reassigns what the worker held.
     */
    private void readNested(WorkerSlot slot, SpinningFuture<?> future, long limitNanos) {
        WorkerChannel channel = slot.channel;
        long deadline = System.nanoTime() + Math.min(limitNanos, Long.MAX_VALUE / 4);
        if (readUntilDone(slot, channel, future, deadline)) {
            return;
        }
        if (slot.readerThread == Thread.currentThread()) {
            endReading(slot, channel);
            return;
        }
        lock.lock();
        try {
            slot.leader = null; // the reader thread finishes the channel; the reading caller stops
            slot.channelEnded = true;
            wakeReadersLocked();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Reads the worker's reports in the calling thread until {@code future} is done, the
     * deadline passes, the thread is interrupted or it no longer reads this worker (a nested
     * wait gave the channel to the reader thread, see {@link #readNested}). Looks without blocking for the first
     * {@link SpinningFuture#SPIN_NANOS}, yielding the CPU in between (the worker may share it).
     *
     * @return false if the channel ended or could not be read (the reader thread finishes it)
     */
    private boolean readUntilDone(WorkerSlot slot, WorkerChannel channel, SpinningFuture<?> future,
                                  long deadlineNanos) {
        long spinEnd = System.nanoTime() + SpinningFuture.SPIN_NANOS;
        Thread me = Thread.currentThread();
        while (!future.doneQuietly() && !me.isInterrupted() && (slot.leader == me || slot.readerThread == me)) {
            long now = System.nanoTime();
            if (now - deadlineNanos >= 0) {
                return true;
            }
            boolean readable;
            try {
                readable = now - spinEnd < 0 ? channel.poll(Duration.ZERO)
                        : channel.poll(Duration.ofNanos(Math.min(deadlineNanos - now, SpinningFuture.READ_NANOS)));
            } catch (RuntimeException closed) {
                return false;
            }
            if (readable) {
                if (!readReport(slot, channel, true)) {
                    return false;
                }
            } else if (now - spinEnd < 0) {
                Thread.yield();
            }
        }
        return true;
    }

    /**
     * Claims the results that have waited unclaimed since before the previous sweep: the
     * reader thread reads them.
     *
     * @return whether unclaimed results were about since the last sweep
     */
    private boolean sweepUnclaimed() {
        lock.lock();
        try {
            long oldStamp = sweeps++ - 1;
            boolean about = unclaimedAssigned;
            unclaimedAssigned = false;
            for (WorkerSlot slot : slots) {
                var entries = slot.unclaimed.values().iterator();
                while (entries.hasNext() && entries.next() <= oldStamp) {
                    entries.remove();
                }
                about |= !slot.unclaimed.isEmpty();
            }
            wakeReadersLocked();
            return about;
        } finally {
            lock.unlock();
        }
    }

    private boolean hasUnclaimed() {
        lock.lock();
        try {
            if (unclaimedAssigned) {
                return true;
            }
            for (WorkerSlot slot : slots) {
                if (!slot.unclaimed.isEmpty()) {
                    return true;
                }
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    private void fail(PoolTask task, Throwable error) {
        try {
            task.sink().failed(task, error);
        } catch (Throwable e) {
            LOG.error("pool {}: failing task {} failed", name, task.id(), e);
        }
    }

    // ---------------------------------------------------------------- writing tasks

    private void requestDispatch() {
        if (dispatchRequested.compareAndSet(false, true)) {
            dispatchSignal.release();
        }
    }

    private void dispatchLoop() {
        while (!dispatcherStopped) {
            dispatchSignal.acquireUninterruptibly();
            dispatchRequested.set(false);
            List<WorkerSlot> ready = new ArrayList<>();
            lock.lock();
            try {
                for (WorkerSlot slot : slots) {
                    if (!slot.outbox.isEmpty()) {
                        ready.add(slot);
                    }
                }
            } finally {
                lock.unlock();
            }
            for (WorkerSlot slot : ready) {
                flush(slot);
            }
        }
    }

    /**
     * Writes the worker's outbox to its channel. One writer per worker at a time: a thread that
     * finds another writing leaves its tasks to it (the writer looks again after it lets go).
     */
    private void flush(WorkerSlot slot) {
        while (slot.sendLock.tryLock()) {
            try {
                while (true) {
                    List<PoolTask> batch = new ArrayList<>();
                    WorkerChannel channel;
                    lock.lock();
                    try {
                        channel = slot.channel;
                        long bytes = 0;
                        while (!slot.outbox.isEmpty() && (batch.isEmpty() || bytes < MAX_BATCH_BYTES)) {
                            PoolTask t = slot.outbox.poll();
                            batch.add(t);
                            bytes += t.function().length + t.inputs().length;
                        }
                    } finally {
                        lock.unlock();
                    }
                    if (batch.isEmpty()) {
                        break;
                    }
                    byte[] frame = encode(slot, batch);
                    try {
                        channel.send(frame);
                    } catch (RuntimeException e) {
                        // The worker is gone, or its channel cannot carry this frame: either way the
                        // tasks it holds fail through the exit path, never hang.
                        LOG.warn("pool {}: writing {} task(s) to worker {} failed; killing it", name, batch.size(),
                                slot.name, e);
                        channel.kill();
                    }
                }
            } finally {
                slot.sendLock.unlock();
            }
            lock.lock();
            try {
                if (slot.outbox.isEmpty()) {
                    return;
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** Encodes a batch; a task carries its function only if this worker does not hold it. */
    private static byte[] encode(WorkerSlot slot, List<PoolTask> batch) {
        TaskBatch.Builder b = TaskBatch.newBuilder();
        for (PoolTask t : batch) {
            Task.Builder task = b.addTasksBuilder().setTaskId(t.id()).setCallable(t.callable())
                    .setFunctionId(t.functionId());
            if (t.functionId() == 0 || slot.functionsSent.get(t.functionId()) == null) {
                task.setFunction(UnsafeByteOperations.unsafeWrap(t.function()));
                if (t.functionId() != 0) {
                    slot.functionsSent.put(t.functionId(), Boolean.TRUE);
                }
            }
            if (t.inputs().length > 0) {
                task.setPackedInputs(UnsafeByteOperations.unsafeWrap(t.inputs()));
            }
        }
        return b.build().toByteArray();
    }

    // ---------------------------------------------------------------- lifecycle

    /** No new tasks; workers stop once every queued and running task is done. */
    void shutdown() {
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            if (state == State.RUNNING) {
                state = State.SHUTDOWN;
                checkDrainedLocked(after);
            }
        } finally {
            lock.unlock();
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
    List<PoolTask> terminate(java.util.function.Predicate<PoolTask> keep) {
        List<PoolTask> cancelled = new ArrayList<>();
        List<PoolTask> kept = new ArrayList<>();
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            if (state == State.TERMINATED) {
                return kept;
            }
            state = State.STOPPING;
            for (PoolTask t : pending) {
                (keep.test(t) ? kept : cancelled).add(t);
            }
            pending.clear();
            for (WorkerSlot slot : slots) {
                cancelled.addAll(slot.inFlight.values());
                slot.inFlight.clear();
                slot.outbox.clear();
                slot.unclaimed.clear();
                if (slot.state == WorkerSlot.State.STOPPED && slot.channel != null) {
                    after.add(slot.channel::kill); // was stopping gracefully: no more waiting
                } else {
                    stopLocked(slot, after, true);
                }
            }
            checkDrainedLocked(after);
        } finally {
            lock.unlock();
        }
        after.forEach(Runnable::run);
        if (!cancelled.isEmpty()) {
            CancellationException error = new CancellationException("pool " + name + " was terminated");
            cancelled.forEach(t -> fail(t, error));
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
        lock.lock();
        try {
            while (state != State.TERMINATED) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = terminatedCondition.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    boolean isShutdown() {
        lock.lock();
        try {
            return state != State.RUNNING;
        } finally {
            lock.unlock();
        }
    }

    boolean isTerminated() {
        lock.lock();
        try {
            return state == State.TERMINATED;
        } finally {
            lock.unlock();
        }
    }

    /** @return pids of the workers started and not yet exited (for tests and diagnostics) */
    List<Long> workerPids() {
        lock.lock();
        try {
            return slots.stream().filter(s -> s.channel != null).map(WorkerSlot::pid).toList();
        } finally {
            lock.unlock();
        }
    }
}
