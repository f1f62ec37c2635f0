package dev.multiproc.shm.internal;

import dev.multiproc.spi.wait.WaitStrategy;
import dev.multiproc.IpcCondition;
import dev.multiproc.wire.HandleDescriptor;

import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Date;
import java.util.concurrent.TimeUnit;

import static dev.multiproc.shm.internal.ConditionDescriptor.CANCELLED_OFFSET;
import static dev.multiproc.shm.internal.ConditionDescriptor.CANCEL_WINDOW;
import static dev.multiproc.shm.internal.ConditionDescriptor.NEXT_OFFSET;
import static dev.multiproc.shm.internal.ConditionDescriptor.SEQUENCE_OFFSET;
import static dev.multiproc.shm.internal.ConditionDescriptor.SIGNALLED_OFFSET;
import static dev.multiproc.shm.internal.ConditionDescriptor.SLEEPERS_OFFSET;

/**
 * A condition of a {@link ShmLock}, over a {@link ConditionDescriptor condition record} in the
 * lock's block: FIFO tickets, so {@code signal(n)} wakes exactly the {@code min(n, waiting)}
 * longest-waiting threads, in any process.
 *
 * <p><b>Dead waiters.</b> A waiter whose process dies keeps its ticket; a later signal may be
 * spent on it, waking one thread fewer than asked. Use {@link #signalAll()} or timed waits where
 * participants may die. A waiter that times out behind more than 64 queued waiters cannot be
 * recorded as gone and may likewise absorb one signal. Thread-safe. Serializable as a handle.
 */
public final class ShmCondition implements IpcCondition, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final ShmLock lock;
    private final int slot;
    private final MemorySegment mem;
    private final long base;
    private final long sequenceAddress;

    ShmCondition(ShmLock lock, int slot) {
        this.lock = lock;
        this.slot = slot;
        this.mem = lock.segment().body();
        this.base = lock.base() + LockDescriptor.conditionOffset(slot);
        this.sequenceAddress = mem.address() + base + SEQUENCE_OFFSET;
    }

    private long signalled() {
        return (long) LONG.getVolatile(mem, base + SIGNALLED_OFFSET);
    }

    private int sequence() {
        return (int) INT.getVolatile(mem, base + SEQUENCE_OFFSET);
    }

    @Override
    public void await() throws InterruptedException {
        doAwait(true, false, 0);
    }

    @Override
    public void awaitUninterruptibly() {
        try {
            doAwait(false, false, 0);
        } catch (InterruptedException e) {
            throw new AssertionError("uninterruptible wait was interrupted", e);
        }
    }

    @Override
    public long awaitNanos(long nanosTimeout) throws InterruptedException {
        return doAwait(true, true, nanosTimeout);
    }

    @Override
    public boolean await(long time, TimeUnit unit) throws InterruptedException {
        return doAwait(true, true, unit.toNanos(time)) > 0;
    }

    @Override
    public boolean awaitUntil(Date deadline) throws InterruptedException {
        return doAwait(true, true, TimeUnit.MILLISECONDS.toNanos(deadline.getTime() - System.currentTimeMillis())) > 0;
    }

    /**
     * @return for a timed wait, an estimate of the time left (positive if signalled, else at most 0); else 1
     */
    private long doAwait(boolean interruptible, boolean timed, long nanos) throws InterruptedException {
        lock.checkHeld("await its condition");
        if (interruptible && Thread.interrupted()) {
            throw new InterruptedException();
        }
        long start = System.nanoTime();
        long deadline = start + nanos;
        // take a ticket while holding the lock (record fields change only under it)
        long ticket = (long) LONG.get(mem, base + NEXT_OFFSET);
        LONG.setVolatile(mem, base + NEXT_OFFSET, ticket + 1);
        int holds = lock.releaseFully();
        boolean interrupted = false;
        boolean signalled = false;
        try {
            WaitStrategy waits = lock.segment().waits();
            while (true) {
                int seq = sequence(); // read before the check: a later signal changes it, so the wait returns
                if (signalled() > ticket) {
                    signalled = true;
                    break;
                }
                long now = System.nanoTime();
                if (timed && now - deadline >= 0) {
                    break;
                }
                if (waits.idle(start)) {
                    continue;
                }
                INT.getAndAdd(mem, base + SLEEPERS_OFFSET, 1); // volatile: a signal after this sees us
                try {
                    if (signalled() <= ticket) {
                        Futex.wait(sequenceAddress, seq, WaitStrategy.sliceNanos(deadline, timed, now));
                    }
                } finally {
                    INT.getAndAdd(mem, base + SLEEPERS_OFFSET, -1);
                }
                if (Thread.interrupted()) {
                    interrupted = true;
                    if (interruptible) {
                        break;
                    }
                }
            }
        } finally {
            lock.reacquire(holds);
            if (!signalled) {
                signalled = leave(ticket);
            }
        }
        if (interrupted) {
            if (interruptible && !signalled) {
                throw new InterruptedException("interrupted while waiting on " + this);
            }
            Thread.currentThread().interrupt(); // signalled first: return normally, keep the interrupt
        }
        if (!timed) {
            return 1;
        }
        long left = deadline - System.nanoTime();
        return signalled ? Math.max(left, 1) : Math.min(left, 0);
    }

    /**
     * Under the lock, after a timeout or interrupt: a signal may have come meanwhile; if not, gives
     * the ticket back so that signals skip it.
     *
     * @return whether the ticket was signalled after all
     */
    private boolean leave(long ticket) {
        long signalled = (long) LONG.get(mem, base + SIGNALLED_OFFSET);
        if (signalled > ticket) {
            return true;
        }
        long next = (long) LONG.get(mem, base + NEXT_OFFSET);
        long mask = (long) LONG.get(mem, base + CANCELLED_OFFSET);
        if (ticket == next - 1) {
            // the newest ticket: give it back outright, with any cancelled ones it uncovers
            next--;
            while (next > signalled && next - 1 - signalled < CANCEL_WINDOW && (mask & (1L << (next - 1 - signalled))) != 0) {
                mask &= ~(1L << (next - 1 - signalled));
                next--;
            }
            LONG.set(mem, base + CANCELLED_OFFSET, mask);
            LONG.setVolatile(mem, base + NEXT_OFFSET, next);
        } else if (ticket - signalled < CANCEL_WINDOW) {
            LONG.setVolatile(mem, base + CANCELLED_OFFSET, mask | (1L << (ticket - signalled)));
        }
        return false;
    }

    @Override
    public void signal() {
        signal(1);
    }

    @Override
    public void signalAll() {
        signal(Integer.MAX_VALUE);
    }

    @Override
    public void signal(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("number of waiters to signal must not be negative, was " + n);
        }
        lock.checkHeld("signal its condition");
        long signalled = (long) LONG.get(mem, base + SIGNALLED_OFFSET);
        long next = (long) LONG.get(mem, base + NEXT_OFFSET);
        long mask = (long) LONG.get(mem, base + CANCELLED_OFFSET);
        int woken = 0;
        while (signalled < next && (woken < n || (mask & 1) != 0)) { // also drops cancelled tickets at the front
            if ((mask & 1) == 0) {
                woken++;
            }
            signalled++;
            mask >>>= 1;
        }
        if (woken == 0 && mask == (long) LONG.get(mem, base + CANCELLED_OFFSET)) {
            return;
        }
        LONG.set(mem, base + CANCELLED_OFFSET, mask);
        LONG.setVolatile(mem, base + SIGNALLED_OFFSET, signalled); // waiters read it without the lock
        if (woken > 0) {
            INT.getAndAdd(mem, base + SEQUENCE_OFFSET, 1); // makes sleepers' futex values stale
            if ((int) INT.getVolatile(mem, base + SLEEPERS_OFFSET) > 0) {
                // the kernel cannot pick tickets: wake every sleeper; those not signalled sleep again
                Futex.wake(sequenceAddress, Integer.MAX_VALUE);
            }
        }
    }

    /** @return threads waiting and not yet signalled (approximate without the lock; for tests and diagnostics) */
    public int waitingCount() {
        long next = (long) LONG.getVolatile(mem, base + NEXT_OFFSET);
        long signalled = signalled();
        long mask = (long) LONG.getVolatile(mem, base + CANCELLED_OFFSET);
        return (int) Math.max(0, next - signalled - Long.bitCount(mask));
    }

    @Serial
    private Object writeReplace() {
        return Handles.serialized(Handles.KIND_CONDITION, lock.segment(), HandleDescriptor.newBuilder()
                .putAttributes(Handles.OFFSET, Long.toString(lock.base()))
                .putAttributes(Handles.SLOT, Integer.toString(slot))
                .putAttributes(Handles.REENTRANT, Boolean.toString(lock.isReentrant())));
    }

    @Override
    public String toString() {
        return "Condition[" + slot + " of " + lock + "]";
    }
}
