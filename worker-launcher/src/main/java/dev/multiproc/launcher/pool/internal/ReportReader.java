package dev.multiproc.launcher.pool.internal;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.multiproc.spi.log.Log;
import dev.multiproc.spi.wait.ReadTurns;
import dev.multiproc.spi.wait.WaitStrategy;
import dev.multiproc.wire.WorkerReport;

import java.time.Duration;

/**
 * Who reads a worker's reports, and when. Each worker has a reader thread
 * ({@code multiproc-pool-N-reader-M}); it reads as reports come, except while the worker holds
 * nothing but results nobody has asked for yet ({@link TaskSink#unclaimed()}: a call's future
 * before anyone waits on it or adds a stage to it). The reader then waits aside, and the first
 * caller that waits for one of those results reads the channel itself ({@link #claimAndRead}, the
 * leader of the worker's {@link ReadTurns}) for up to {@link SpinningFuture#READ_NANOS}, then gives
 * it back. A result then travels worker to caller directly: two context switches on one CPU
 * instead of three (worker, reader, caller). Results nobody asks for are claimed by the
 * {@link UnclaimedSweeper} within two of its periods, so the reader always gets to them; since the
 * sweeper never writes, a worker that stopped reading tasks because nobody read its results is
 * always drained. Thread-safe.
 */
final class ReportReader {
    private static final Log LOG = Log.of(ReportReader.class);

    private final PoolState pool;
    private final TaskScheduler scheduler;
    private final ReportHandler handler;
    private final WaitStrategy waits;
    private final UnclaimedSweeper sweeper;
    /** The worker whose reports this thread reads now: as its reader thread, or as a caller waiting for a result. */
    private final ThreadLocal<WorkerSlot> readingHere = new ThreadLocal<>();
    /** Sweeps of unclaimed results so far; stamps each unclaimed task when it is assigned (guarded by the pool's lock). */
    private long sweeps;
    /** Whether an unclaimed task was assigned since the last sweep (guarded by the pool's lock). */
    private boolean unclaimedAssigned;

    ReportReader(PoolState pool, TaskScheduler scheduler, WaitStrategy waits) {
        this.pool = pool;
        this.scheduler = scheduler;
        this.handler = new ReportHandler(pool, scheduler);
        this.waits = waits;
        this.sweeper = new UnclaimedSweeper(pool.threadPrefix + "-sweeper", new UnclaimedSweeper.Sweep() {
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

    void start() {
        sweeper.start();
    }

    void stop() {
        sweeper.stop();
    }

    /** Starts the worker's reader thread. */
    void startReading(WorkerSlot slot, WorkerChannel channel) {
        Thread reader = pool.thread("reader-" + slot.number, () -> readLoop(slot, channel));
        slot.reading.readerThread = reader;
        reader.start();
    }

    private void readLoop(WorkerSlot slot, WorkerChannel channel) {
        readingHere.set(slot);
        do {
            awaitReaderTurn(slot);
        } while (readReport(slot, channel, false));
        scheduler.supervisor().channelEnded(slot, channel);
    }

    /** Waits until the reader thread has a reason to read the worker's channel and no caller reads it. */
    private void awaitReaderTurn(WorkerSlot slot) {
        pool.lock.lock();
        try {
            slot.reading.turns.awaitNeed(slot.reading.wake, () -> readerNeededLocked(slot));
        } finally {
            pool.lock.unlock();
        }
    }

    /**
     * Whether the worker's reports must be read as they come: it holds a result someone asked
     * for, it is starting or stopping, the pool waits for room, or its channel needs finishing.
     */
    private boolean readerNeededLocked(WorkerSlot slot) {
        return slot.state != WorkerSlot.State.READY || pool.state != PoolState.State.RUNNING || slot.exited()
                || slot.reading.channelEnded || !pool.pending.isEmpty() || slot.inFlight.size() > slot.unclaimed.size();
    }

    /** Wakes the reader threads that wait aside but now have a reason to read. */
    void wakeReadersLocked() {
        for (WorkerSlot slot : pool.slots) {
            ReadTurns turns = slot.reading.turns;
            if (turns.backgroundAside() && !turns.waiterReads() && readerNeededLocked(slot)) {
                turns.backgroundWoken();
                slot.reading.wake.signal();
            }
        }
    }

    /** A task was assigned to the worker: a result nobody asked for yet is noted for the sweeper. */
    void assignedLocked(WorkerSlot slot, PoolTask task) {
        if (task.sink().unclaimed()) {
            slot.unclaimed.put(task.id(), sweeps);
            unclaimedAssigned = true;
            sweeper.wake();
        }
    }

    /**
     * Reads one report from the worker and acts on it.
     *
     * @param polled whether {@link WorkerChannel#poll} has just said the channel is readable
     * @return false once the channel has ended or cannot be read any more (the worker is then killed)
     */
    boolean readReport(WorkerSlot slot, WorkerChannel channel, boolean polled) {
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
                report = TaskCodec.decodeReport(frame);
            } catch (InvalidProtocolBufferException e) {
                LOG.error("pool worker {} (pid {}) sent a corrupt report of {} bytes; killing it",
                        slot.name, channel.pid(), frame.length, e);
                channel.kill();
                return false;
            }
            handler.onReport(slot, report);
            return true;
        } catch (Throwable unexpected) {
            LOG.error("pool {} reading worker {} failed; killing the worker", pool.name, slot.name, unexpected);
            channel.kill();
            return false;
        }
    }

    // ---------------------------------------------------------------- results read by callers

    /** @see SpinningFuture.ResultSource#claim */
    void claim(long taskId) {
        pool.lock.lock();
        try {
            if (claimLocked(taskId) != null) {
                wakeReadersLocked();
            }
        } finally {
            pool.lock.unlock();
        }
    }

    /** @return the worker holding the task, or null if it is not sent yet or done */
    private WorkerSlot claimLocked(long taskId) {
        for (WorkerSlot slot : pool.slots) {
            if (slot.inFlight.containsKey(taskId)) {
                slot.unclaimed.remove(taskId);
                return slot;
            }
        }
        return null;
    }

    /** @see SpinningFuture.ResultSource#claimAndRead */
    boolean claimAndRead(long taskId, SpinningFuture<?> future, long limitNanos) {
        WorkerSlot reading = readingHere.get();
        if (reading != null) {
            claim(taskId);
            readNested(reading, future, limitNanos);
            return true;
        }
        WorkerSlot slot;
        WorkerChannel channel;
        pool.lock.lock();
        try {
            slot = claimLocked(taskId);
            if (slot == null) {
                return false; // not sent yet: its result is read as it comes
            }
            channel = slot.channel;
            ReadTurns turns = slot.reading.turns;
            if (!turns.backgroundAside() || turns.waiterReads() || slot.state != WorkerSlot.State.READY || channel == null) {
                wakeReadersLocked();
                return false;
            }
            turns.waiterStarts();
        } finally {
            pool.lock.unlock();
        }
        boolean ended = true;
        readingHere.set(slot);
        try {
            ended = !readUntilDone(slot, channel, future, System.nanoTime() + Math.min(limitNanos, SpinningFuture.READ_NANOS));
        } finally {
            readingHere.remove();
            pool.lock.lock();
            try {
                if (slot.reading.turns.isReading(Thread.currentThread())) {
                    slot.reading.turns.waiterStops();
                }
                slot.reading.channelEnded |= ended;
                wakeReadersLocked();
            } finally {
                pool.lock.unlock();
            }
        }
        return true;
    }

    /**
     * A callback run by a thread that reads a worker's reports (its reader thread, or a caller
     * reading for its own result) waits for another result. Nobody else reads that worker
     * meanwhile, so the thread reads on until the result is there; if the channel ends under it,
     * it lets the worker's end run now, which fails or reassigns what the worker held.
     */
    private void readNested(WorkerSlot slot, SpinningFuture<?> future, long limitNanos) {
        WorkerChannel channel = slot.channel;
        long deadline = System.nanoTime() + Math.min(limitNanos, Long.MAX_VALUE / 4);
        if (readUntilDone(slot, channel, future, deadline)) {
            return;
        }
        if (slot.reading.readerThread == Thread.currentThread()) {
            scheduler.supervisor().channelEnded(slot, channel);
            return;
        }
        pool.lock.lock();
        try {
            slot.reading.turns.waiterStops(); // the reader thread finishes the channel; the reading caller stops
            slot.reading.channelEnded = true;
            wakeReadersLocked();
        } finally {
            pool.lock.unlock();
        }
    }

    /**
     * Reads the worker's reports in the calling thread until {@code future} is done, the deadline
     * passes, the thread is interrupted or it no longer reads this worker (a nested wait gave the
     * channel to the reader thread, see {@link #readNested}). Through the busy phases of the wait
     * strategy it looks without blocking, spinning then yielding the CPU in between (the worker
     * may share it); then it waits in the channel's poll.
     *
     * @return false if the channel ended or could not be read (the reader thread finishes it)
     */
    private boolean readUntilDone(WorkerSlot slot, WorkerChannel channel, SpinningFuture<?> future, long deadlineNanos) {
        long start = System.nanoTime();
        Thread me = Thread.currentThread();
        while (!future.doneQuietly() && !me.isInterrupted() && slot.reading.readsHere(me)) {
            long now = System.nanoTime();
            if (now - deadlineNanos >= 0) {
                return true;
            }
            boolean busy = !waits.pastBusy(start);
            boolean readable;
            try {
                readable = busy ? channel.poll(Duration.ZERO)
                        : channel.poll(Duration.ofNanos(Math.min(deadlineNanos - now, SpinningFuture.READ_NANOS)));
            } catch (RuntimeException closed) {
                return false;
            }
            if (readable) {
                if (!readReport(slot, channel, true)) {
                    return false;
                }
            } else if (busy) {
                waits.idle(start);
            }
        }
        return true;
    }

    /**
     * Claims the results that have waited unclaimed since before the previous sweep: the reader
     * thread reads them.
     *
     * @return whether unclaimed results were about since the last sweep
     */
    private boolean sweepUnclaimed() {
        pool.lock.lock();
        try {
            long oldStamp = sweeps++ - 1;
            boolean about = unclaimedAssigned;
            unclaimedAssigned = false;
            for (WorkerSlot slot : pool.slots) {
                var entries = slot.unclaimed.values().iterator();
                while (entries.hasNext() && entries.next() <= oldStamp) {
                    entries.remove();
                }
                about |= !slot.unclaimed.isEmpty();
            }
            wakeReadersLocked();
            return about;
        } finally {
            pool.lock.unlock();
        }
    }

    private boolean hasUnclaimed() {
        pool.lock.lock();
        try {
            if (unclaimedAssigned) {
                return true;
            }
            for (WorkerSlot slot : pool.slots) {
                if (!slot.unclaimed.isEmpty()) {
                    return true;
                }
            }
            return false;
        } finally {
            pool.lock.unlock();
        }
    }
}
