package dev.multiproc.shm.internal;

import dev.multiproc.IpcCondition;
import dev.multiproc.wire.HandleDescriptor;

import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Date;
import java.util.concurrent.TimeUnit;

import static dev.multiproc.shm.internal.ConditionDescriptor.SEQUENCE_OFFSET;
import static dev.multiproc.shm.internal.ConditionDescriptor.TICKETS_OFFSET;
import static dev.multiproc.shm.internal.ConditionDescriptor.signals;

import static dev.multiproc.shm.internal.ConditionDescriptor.waiters;

/**
 * A condition of a {@link ShmLock}, over a {@link ConditionDescriptor condition record} in the
 * lock's block. {@code signal(n)} wakes exactly {@code min(n, waiting)} waiters, in any process.
 *
 * <p><b>Dead waiters.</b> A waiter whose process dies stays registered. A later signal may be
 * granted to it; that signal is then taken by the next waiter as an early wake-up (which
 * {@link java.util.concurrent.locks.Condition} permits). Use {@link #signalAll()} or timed waits
 * where participants may die. Thread-safe. Serializable as a handle.
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
        this.mem = lock.memory();
        this.base = lock.base() + LockDescriptor.conditionOffset(slot);
        this.sequenceAddress = mem.address() + base + SEQUENCE_OFFSET;
    }

    private long currentTickets() {
        return (long) LONG.getVolatile(mem, base + TICKETS_OFFSET);
    }

    private boolean casTickets(long expect, long update) {
        return LONG.compareAndSet(mem, base + TICKETS_OFFSET, expect, update);
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
     * @return for a timed wait, an estimate of the time left (positive if signalled), else 1
     */
    private long doAwait(boolean interruptible, boolean timed, long nanos) throws InterruptedException {
        lock.checkHeld("await its condition");
        if (interruptible && Thread.interrupted()) {
            throw new InterruptedException();
        }
        long start = System.nanoTime();
        long deadline = start + nanos;
        // register while holding the lock: a signal (also under the lock) then counts us
        while (true) {
            long t = currentTickets();
            if (casTickets(t, ConditionDescriptor.tickets(waiters(t) + 1, signals(t)))) {
                break;
            }
        }
        int holds = lock.releaseFully();
        boolean interrupted = false;
        boolean signalled = false;
        try {
            long spinEnd = start + Waits.spinNanos();
            while (true) {
                int seq = sequence(); // read before looking for a signal: a later signal changes it, so the wait returns
                if (takeSignal()) {
                    signalled = true;
                    break;
                }
                long now = System.nanoTime();
                if (timed && now - deadline >= 0) {
                    signalled = leave();
                    break;
                }
                if (now - spinEnd < 0) {
                    Thread.onSpinWait();
                    continue;
                }
                Futex.wait(sequenceAddress, seq, Waits.slice(deadline, timed, now));
                if (Thread.interrupted()) {
                    interrupted = true;
                    if (interruptible) {
                        signalled = leave();
                        break;
                    }
                }
            }
        } finally {
            lock.reacquire(holds);
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

    /** @return whether a granted signal was taken (and this waiter deregistered) */
    private boolean takeSignal() {
        while (true) {
            long t = currentTickets();
            int s = signals(t);
            if (s <= 0) {
                return false;
            }
            if (casTickets(t, ConditionDescriptor.tickets(waiters(t) - 1, s - 1))) {
                return true;
            }
        }
    }

    /** Deregisters on timeout or interrupt, unless a signal is there to take. @return whether signalled */
    private boolean leave() {
        while (true) {
            long t = currentTickets();
            int w = waiters(t);
            int s = signals(t);
            if (s > 0) {
                if (casTickets(t, ConditionDescriptor.tickets(w - 1, s - 1))) {
                    return true;
                }
            } else if (casTickets(t, ConditionDescriptor.tickets(w - 1, s))) {
                return false;
            }
        }
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
        int granted;
        while (true) {
            long t = currentTickets();
            int w = waiters(t);
            int s = signals(t);
            granted = Math.min(n, w - s);
            if (granted <= 0) {
                return;
            }
            if (casTickets(t, ConditionDescriptor.tickets(w, s + granted))) {
                break;
            }
        }
        INT.getAndAdd(mem, base + SEQUENCE_OFFSET, 1); // makes sleepers' futex values stale
        Futex.wake(sequenceAddress, granted);
    }

    /** @return threads registered and not yet signalled (for tests and diagnostics) */
    public int waitingCount() {
        long t = currentTickets();
        return waiters(t) - signals(t);
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
