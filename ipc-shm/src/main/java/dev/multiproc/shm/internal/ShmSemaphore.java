package dev.multiproc.shm.internal;

import dev.multiproc.spi.wait.Deadline;
import dev.multiproc.spi.wait.WaitStrategy;
import dev.multiproc.IpcSemaphore;

import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;

import static dev.multiproc.shm.internal.SemaphoreDescriptor.BOUND_OFFSET;
import static dev.multiproc.shm.internal.SemaphoreDescriptor.PERMITS_OFFSET;
import static dev.multiproc.shm.internal.SemaphoreDescriptor.SLEEPERS_OFFSET;
import static dev.multiproc.shm.internal.SemaphoreDescriptor.UNBOUNDED;

/**
 * A counting semaphore shared by processes, over a {@link SemaphoreDescriptor}. Taking a permit is
 * a CAS on the permit count; a taker with none spins, then sleeps on the count with
 * {@code futex(2)}; a release wakes one sleeper only when the sleeper count says there is one
 * (both are sequentially consistent, so a release never misses a sleeper).
 *
 * <p><b>Dead participants.</b> A permit taken by a process that dies is not given back (as with
 * POSIX and Python semaphores): the count stays one lower. A sleeper that dies leaves the sleeper
 * count one too high, which only costs later releases a needless wake-up call. Thread-safe.
 * Serializable as a handle.
 */
public final class ShmSemaphore implements IpcSemaphore, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final Segment segment;
    private final MemorySegment mem;
    private final long permitsAddress;

    /** @param segment a {@link SegmentDescriptor#KIND_SEMAPHORE} segment */
    public ShmSemaphore(Segment segment) {
        this.segment = segment;
        this.mem = segment.body();
        this.permitsAddress = mem.address() + PERMITS_OFFSET;
    }

    /**
     * Initializes a new record (creator only, before the handle is shared).
     *
     * @param segment the new segment
     * @param permits initial permits
     * @param bounded whether release past {@code permits} fails
     */
    static void init(Segment segment, int permits, boolean bounded) {
        MemorySegment m = segment.body();
        INT.set(m, (long) BOUND_OFFSET, bounded ? permits : UNBOUNDED);
        INT.setVolatile(m, (long) PERMITS_OFFSET, permits);
    }

    private int permits() {
        return (int) INT.getVolatile(mem, (long) PERMITS_OFFSET);
    }

    @Override
    public void acquire() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        acquire(false, 0);
    }

    @Override
    public boolean tryAcquire() {
        int p;
        while ((p = permits()) > 0) {
            if (INT.compareAndSet(mem, (long) PERMITS_OFFSET, p, p - 1)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean tryAcquire(Duration timeout) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        long nanos = Deadline.toNanos(timeout);
        return nanos <= 0 ? tryAcquire() : acquire(true, nanos);
    }

    private boolean acquire(boolean timed, long nanos) throws InterruptedException {
        if (tryAcquire()) {
            return true;
        }
        long start = System.nanoTime();
        long deadline = start + nanos;
        WaitStrategy waits = segment.waits();
        while (true) {
            if (tryAcquire()) {
                return true;
            }
            if ((timed && System.nanoTime() - deadline >= 0) || !waits.idle(start)) {
                break;
            }
        }
        INT.getAndAdd(mem, (long) SLEEPERS_OFFSET, 1); // volatile: a release after this sees us
        try {
            while (true) {
                if (tryAcquire()) {
                    return true;
                }
                long now = System.nanoTime();
                if (timed && now - deadline >= 0) {
                    return false;
                }
                Futex.wait(permitsAddress, 0, WaitStrategy.sliceNanos(deadline, timed, now));
                if (Thread.interrupted()) {
                    throw new InterruptedException("interrupted while waiting for a permit of " + this);
                }
            }
        } finally {
            INT.getAndAdd(mem, (long) SLEEPERS_OFFSET, -1);
        }
    }

    @Override
    public void release() {
        int bound = (int) INT.get(mem, (long) BOUND_OFFSET); // immutable after init
        while (true) {
            int p = permits();
            if (bound != UNBOUNDED && p >= bound) {
                throw new IllegalStateException("cannot release " + this + ": it already has " + p
                        + " permits, its bound (released too many times)");
            }
            if (p == Integer.MAX_VALUE) {
                throw new IllegalStateException("cannot release " + this + ": permit count would overflow");
            }
            if (INT.compareAndSet(mem, (long) PERMITS_OFFSET, p, p + 1)) {
                break;
            }
        }
        if ((int) INT.getVolatile(mem, (long) SLEEPERS_OFFSET) > 0) {
            Futex.wake(permitsAddress, 1);
        }
    }

    @Override
    public int availablePermits() {
        return permits();
    }

    /** @return whether release past the initial permits fails */
    public boolean isBounded() {
        return (int) INT.get(mem, (long) BOUND_OFFSET) != UNBOUNDED;
    }

    @Serial
    private Object writeReplace() {
        return Handles.serialized(Handles.KIND_SEMAPHORE, segment, null);
    }

    @Override
    public String toString() {
        return (isBounded() ? "BoundedSemaphore[" : "Semaphore[") + segment.name() + "]";
    }
}
