package dev.multiproc.shm.internal;

import dev.multiproc.spi.wait.Deadline;
import dev.multiproc.IpcBarrier;

import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.TimeoutException;

import static dev.multiproc.shm.internal.BarrierDescriptor.BROKEN_OFFSET;
import static dev.multiproc.shm.internal.BarrierDescriptor.COUNT_OFFSET;
import static dev.multiproc.shm.internal.BarrierDescriptor.GENERATION_OFFSET;
import static dev.multiproc.shm.internal.BarrierDescriptor.LAST_BROKEN_OFFSET;
import static dev.multiproc.shm.internal.BarrierDescriptor.PARTIES_OFFSET;

/**
 * A cyclic barrier shared by processes, with {@link java.util.concurrent.CyclicBarrier}'s
 * algorithm over a {@link BarrierDescriptor}: a {@link ShmLock} guards the record and waiters sleep
 * on its condition 0. Generations are numbered; a waiter whose generation moved on returns its
 * index if the generation tripped, and throws {@link BrokenBarrierException} if it was broken and
 * reset (the record keeps the last broken generation).
 *
 * <p><b>Dead participants.</b> A party that dies while holding the internal lock is handled as for
 * any {@link ShmLock} (the next party takes the lock over). A party that dies before arriving
 * leaves the others waiting: use {@link #await(Duration)}, whose timeout breaks the barrier for
 * everyone, as with CyclicBarrier. Thread-safe. Serializable as a handle.
 */
public final class ShmBarrier implements IpcBarrier, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final Segment segment;
    private final MemorySegment mem;
    private final ShmLock lock;
    private final ShmCondition trip;

    /** @param segment a {@link SegmentDescriptor#KIND_BARRIER} segment */
    public ShmBarrier(Segment segment) {
        this.segment = segment;
        this.mem = segment.body();
        this.lock = new ShmLock(segment, BarrierDescriptor.LOCK_OFFSET, false);
        this.trip = new ShmCondition(lock, 0);
    }

    /**
     * Initializes a new record (creator only, before the handle is shared).
     *
     * @param segment the new segment
     * @param parties the number of parties
     */
    static void init(Segment segment, int parties) {
        MemorySegment m = segment.body();
        INT.set(m, (long) BarrierDescriptor.LOCK_OFFSET + LockDescriptor.CONDITIONS_OFFSET, 1); // condition 0: trip
        INT.set(m, (long) PARTIES_OFFSET, parties);
        INT.set(m, (long) COUNT_OFFSET, parties);
        LONG.set(m, (long) GENERATION_OFFSET, 0L);
        LONG.setVolatile(m, (long) LAST_BROKEN_OFFSET, -1L);
    }

    // Record fields: plain accesses, always under the lock (its CAS and release order them).

    private int count() {
        return (int) INT.get(mem, (long) COUNT_OFFSET);
    }

    private long generation() {
        return (long) LONG.get(mem, (long) GENERATION_OFFSET);
    }

    private boolean broken() {
        return (int) INT.get(mem, (long) BROKEN_OFFSET) != 0;
    }

    @Override
    public int parties() {
        return (int) INT.get(mem, (long) PARTIES_OFFSET); // immutable after init
    }

    @Override
    public int await() throws InterruptedException, BrokenBarrierException {
        try {
            return doAwait(false, 0);
        } catch (TimeoutException e) {
            throw new AssertionError("untimed barrier wait timed out", e);
        }
    }

    @Override
    public int await(Duration timeout) throws InterruptedException, BrokenBarrierException, TimeoutException {
        return doAwait(true, Deadline.toNanos(timeout));
    }

    private int doAwait(boolean timed, long nanos) throws InterruptedException, BrokenBarrierException, TimeoutException {
        lock.lock();
        try {
            long gen = generation();
            if (broken()) {
                throw new BrokenBarrierException();
            }
            if (Thread.interrupted()) {
                breakBarrier();
                throw new InterruptedException();
            }
            int index = count() - 1;
            INT.set(mem, (long) COUNT_OFFSET, index);
            if (index == 0) {
                nextGeneration();
                return 0;
            }
            while (true) {
                try {
                    if (!timed) {
                        trip.await();
                    } else if (nanos > 0) {
                        nanos = trip.awaitNanos(nanos);
                    }
                } catch (InterruptedException ie) {
                    if (gen == generation() && !broken()) {
                        breakBarrier();
                        throw ie;
                    }
                    Thread.currentThread().interrupt(); // the generation is over anyway
                }
                if (gen != generation()) {
                    if ((long) LONG.get(mem, (long) LAST_BROKEN_OFFSET) == gen) {
                        throw new BrokenBarrierException();
                    }
                    return index;
                }
                if (broken()) {
                    throw new BrokenBarrierException();
                }
                if (timed && nanos <= 0) {
                    breakBarrier();
                    throw new TimeoutException("barrier " + this + " timed out with " + (parties() - count())
                            + " of " + parties() + " parties waiting; it is now broken");
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: trips the current generation and starts the next. */
    private void nextGeneration() {
        trip.signalAll();
        INT.set(mem, (long) COUNT_OFFSET, parties());
        INT.set(mem, (long) BROKEN_OFFSET, 0);
        LONG.set(mem, (long) GENERATION_OFFSET, generation() + 1);
    }

    /** Under the lock: breaks the current generation and wakes its waiters. */
    private void breakBarrier() {
        INT.set(mem, (long) BROKEN_OFFSET, 1);
        LONG.set(mem, (long) LAST_BROKEN_OFFSET, generation());
        INT.set(mem, (long) COUNT_OFFSET, parties());
        trip.signalAll();
    }

    @Override
    public void reset() {
        lock.lock();
        try {
            breakBarrier();
            nextGeneration();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void abort() {
        lock.lock();
        try {
            breakBarrier();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean isBroken() {
        lock.lock();
        try {
            return broken();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int numberWaiting() {
        lock.lock();
        try {
            return parties() - count();
        } finally {
            lock.unlock();
        }
    }

    @Serial
    private Object writeReplace() {
        return Handles.serialized(Handles.KIND_BARRIER, segment, null);
    }

    @Override
    public String toString() {
        return "Barrier[" + segment.name() + ", parties " + parties() + "]";
    }
}
