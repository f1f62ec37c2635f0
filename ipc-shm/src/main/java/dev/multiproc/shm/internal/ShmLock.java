package dev.multiproc.shm.internal;

import dev.multiproc.Held;
import dev.multiproc.IpcCondition;
import dev.multiproc.IpcLock;
import dev.multiproc.spi.log.Log;
import dev.multiproc.spi.wait.WaitStrategy;
import dev.multiproc.wire.HandleDescriptor;

import java.io.Serial;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;

import static dev.multiproc.shm.internal.LockDescriptor.CONDITIONS_OFFSET;
import static dev.multiproc.shm.internal.LockDescriptor.CONTENDED;
import static dev.multiproc.shm.internal.LockDescriptor.PID_MASK;
import static dev.multiproc.shm.internal.LockDescriptor.STATE_OFFSET;

/**
 * A process-shared lock over a {@link LockDescriptor lock block}: {@code Lock} (non-reentrant) or
 * {@code RLock} (reentrant). Ownership is per thread across processes: the holder is the pid in
 * the state word plus the thread id beside it. Acquiring is one CAS when free; a contender spins,
 * then sleeps on the state word with {@code futex(2)}, and the release wakes one sleeper only when
 * the state says someone may sleep.
 *
 * <p><b>Dead holders.</b> A sleeping contender checks at least once per sleep slice whether the
 * holder is alive ({@link LockHolder#isAlive}); if not, it takes the lock over with a CAS and warns
 * that what the lock protected may be half-updated.
 *
 * <p>Re-locking a non-reentrant lock from the thread that holds it would deadlock, as in Python;
 * {@link #lock()} throws {@link IllegalMonitorStateException} instead and {@link #tryLock()} returns
 * false. Thread-safe. Serializable as a handle.
 */
public final class ShmLock implements IpcLock, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
    private static final Log LOG = Log.of(ShmLock.class);
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final int SELF = LockHolder.selfPidWord();
    /** How often a sleeping contender may read /proc to check the holder. */
    private static final long LIVENESS_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    /** Most {@link Thread#onSpinWait()} calls between two looks at a held lock's word. */
    private static final int MAX_SPIN_BACKOFF = 32;

    private final Segment segment;
    private final MemorySegment mem;
    private final long base;
    private final long stateAddress;
    private final boolean reentrant;
    private final LockHolder holder;

    /**
     * @param segment   the segment holding the lock block
     * @param base      offset of the lock block in the segment's body
     * @param reentrant RLock (true) or Lock
     */
    public ShmLock(Segment segment, long base, boolean reentrant) {
        this.segment = segment;
        this.mem = segment.body();
        this.base = base;
        this.stateAddress = mem.address() + base + STATE_OFFSET;
        this.reentrant = reentrant;
        this.holder = new LockHolder(mem, base, reentrant, SELF);
    }

    // --- state accessors: explicit ordering at every access ---

    private int state() {
        return (int) INT.getVolatile(mem, base + STATE_OFFSET);
    }

    private boolean casState(int expect, int update) {
        return INT.compareAndSet(mem, base + STATE_OFFSET, expect, update);
    }

    /** @return whether the calling thread holds this lock */
    public boolean isHeldByCurrentThread() {
        return heldByMe();
    }

    /** @return whether this is a reentrant lock */
    public boolean isReentrant() {
        return reentrant;
    }

    /** @return how many times the calling thread holds the lock (0 if it does not) */
    public int holdCount() {
        return isHeldByCurrentThread() ? holder.holds() : 0;
    }

    @Override
    public boolean isLocked() {
        return state() != 0;
    }

    @Override
    public void lock() {
        try {
            if (!acquire(false, false, 0)) {
                throw new AssertionError("untimed acquire returned false");
            }
        } catch (InterruptedException e) {
            throw new AssertionError("uninterruptible acquire was interrupted", e);
        }
    }

    @Override
    public void lockInterruptibly() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        acquire(true, false, 0);
    }

    @Override
    public boolean tryLock() {
        if (heldByMe()) {
            return reenter(false);
        }
        if (casState(0, SELF)) {
            holder.recordSelf(1);
            return true;
        }
        return false;
    }

    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        long nanos = unit.toNanos(time);
        if (nanos <= 0) {
            return tryLock();
        }
        return acquire(true, true, nanos);
    }

    @Override
    public Held acquire() {
        lock();
        return new Held() {
            private boolean released;

            @Override
            public void close() {
                if (!released) {
                    released = true;
                    unlock();
                }
            }
        };
    }

    private boolean heldByMe() {
        int s = state();
        return s != 0 && (s & PID_MASK) == SELF && holder.isSelf();
    }

    private boolean reenter(boolean blocking) {
        if (reentrant) {
            int holds = holder.holds();
            if (holds == Integer.MAX_VALUE) {
                throw new Error("maximum lock count exceeded on " + this);
            }
            holder.setHolds(holds + 1);
            return true;
        }
        if (blocking) {
            throw new IllegalMonitorStateException("thread " + Thread.currentThread().getName()
                    + " already holds non-reentrant " + this + "; locking it again would deadlock (use rlock())");
        }
        return false;
    }

    /**
     * @param interruptible whether interrupts abort the wait
     * @param timed         whether {@code nanos} bounds it
     * @param nanos         the timeout
     * @return whether the lock was taken
     */
    boolean acquire(boolean interruptible, boolean timed, long nanos) throws InterruptedException {
        if (heldByMe()) {
            return reenter(!timed);
        }
        if (casState(0, SELF)) {
            holder.recordSelf(1);
            return true;
        }
        return acquireSlow(interruptible, timed, nanos, 1);
    }

    private boolean acquireSlow(boolean interruptible, boolean timed, long nanos, int holds) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + nanos;
        // phase 1: spin, then yield, while the holder is probably running
        WaitStrategy waits = segment.waits();
        int s;
        int backoff = 1;
        while (true) {
            s = state();
            if (s == 0) {
                if (casState(0, SELF)) {
                    holder.recordSelf(holds);
                    return true;
                }
                continue;
            }
            long now = System.nanoTime();
            if (waits.pastBusy(start) || (timed && now - deadline >= 0)) {
                break;
            }
            if (waits.pastSpin(start)) {
                Thread.yield();
                continue;
            }
            // exponential back-off between looks: reading the word pulls its cache line away from
            // the holder, which then pays for it on release
            for (int i = 0; i < backoff; i++) {
                Thread.onSpinWait();
            }
            backoff = Math.min(backoff << 1, MAX_SPIN_BACKOFF);
        }
        // phase 2: sleep on the word, marked contended so that the release wakes us
        boolean interrupted = false;
        boolean firstSleep = true;
        long lastCheck = System.nanoTime();
        try {
            while (true) {
                s = state();
                if (s == 0) {
                    // we cannot know whether others sleep, so take it as contended (Drepper, mutex 2)
                    if (casState(0, SELF | CONTENDED)) {
                        holder.recordSelf(holds);
                        return true;
                    }
                    continue;
                }
                if ((s & CONTENDED) == 0 && !casState(s, s | CONTENDED)) {
                    continue;
                }
                s |= CONTENDED;
                long now = System.nanoTime();
                if (timed && now - deadline >= 0) {
                    return false;
                }
                if (now - lastCheck >= LIVENESS_CHECK_NANOS) {
                    lastCheck = now;
                    if (takeOverIfHolderDead(s, holds)) {
                        return true;
                    }
                }
                long sleep = WaitStrategy.sliceNanos(deadline, timed, now);
                if (firstSleep) {
                    // a holder that died before we came is found after a short first sleep, not a whole slice
                    sleep = Math.min(sleep, LIVENESS_CHECK_NANOS);
                    firstSleep = false;
                }
                Futex.wait(stateAddress, s, sleep);
                if (Thread.interrupted()) {
                    if (interruptible) {
                        throw new InterruptedException("interrupted while waiting for " + this);
                    }
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private boolean takeOverIfHolderDead(int s, int holds) {
        long pid = s & PID_MASK;
        if (holder.isAlive(pid)) {
            return false;
        }
        long deadThread = holder.thread();
        if (!casState(s, SELF | CONTENDED)) {
            return false; // it moved on: someone released or took over first
        }
        holder.recordSelf(holds);
        LOG.warn("{} was held by process {} (thread {}), which died; thread '{}' of process {} took it over."
                        + " Data the lock protected may have been left half-updated",
                this, pid, deadThread, Thread.currentThread().getName(), SELF);
        return true;
    }

    @Override
    public void unlock() {
        int s = state();
        if (s == 0) {
            throw new IllegalMonitorStateException("cannot unlock " + this + ": it is not locked");
        }
        if (!heldByMe()) {
            throw new IllegalMonitorStateException("cannot unlock " + this + " from thread '"
                    + Thread.currentThread().getName() + "' of process " + SELF + ": it is held by process "
                    + (s & PID_MASK) + ((s & PID_MASK) == SELF ? " thread id " + holder.thread() : ""));
        }
        int holds = holder.holds();
        if (holds > 1) {
            holder.setHolds(holds - 1);
            return;
        }
        release();
    }

    /** Releases the lock entirely (the caller holds it); wakes one sleeper if the state says one may sleep. */
    private void release() {
        holder.clear(); // before the release below: no stale id for a later holder
        int old = (int) INT.getAndSet(mem, base + STATE_OFFSET, 0); // volatile: publishes the critical section
        if ((old & CONTENDED) != 0) {
            Futex.wake(stateAddress, 1);
        }
    }

    /**
     * Releases every hold of the calling thread, for a condition wait.
     *
     * @return the hold count to restore with {@link #reacquire(int)}
     * @throws IllegalMonitorStateException if the calling thread does not hold the lock
     */
    int releaseFully() {
        if (!heldByMe()) {
            throw new IllegalMonitorStateException("thread '" + Thread.currentThread().getName()
                    + "' must hold " + this + " to wait on its condition");
        }
        int holds = holder.holds();
        release();
        return holds;
    }

    /**
     * Takes the lock back after a condition wait, uninterruptibly, with the hold count it had.
     *
     * @param holds the hold count from {@link #releaseFully()}
     */
    void reacquire(int holds) {
        if (casState(0, SELF)) {
            holder.recordSelf(holds);
            return;
        }
        try {
            acquireSlow(false, false, 0, holds);
        } catch (InterruptedException e) {
            throw new AssertionError("uninterruptible acquire was interrupted", e);
        }
    }

    /** @throws IllegalMonitorStateException if the calling thread does not hold the lock */
    void checkHeld(String what) {
        if (!heldByMe()) {
            throw new IllegalMonitorStateException("thread '" + Thread.currentThread().getName()
                    + "' must hold " + this + " to " + what);
        }
    }

    @Override
    public IpcCondition newCondition() {
        int slot = (int) INT.getAndAdd(mem, base + CONDITIONS_OFFSET, 1);
        if (slot >= LockDescriptor.MAX_CONDITIONS) {
            INT.getAndAdd(mem, base + CONDITIONS_OFFSET, -1);
            throw new IllegalStateException("cannot make another condition of " + this + ": a shared lock has room for "
                    + LockDescriptor.MAX_CONDITIONS + " conditions and all are taken");
        }
        return new ShmCondition(this, slot);
    }

    /** @return the segment of the lock block */
    Segment segment() {
        return segment;
    }

    /** @return the offset of the lock block in the body */
    long base() {
        return base;
    }

    @Serial
    private Object writeReplace() {
        return Handles.serialized(reentrant ? Handles.KIND_RLOCK : Handles.KIND_LOCK, segment,
                HandleDescriptor.newBuilder().putAttributes(Handles.OFFSET, Long.toString(base)));
    }

    @Override
    public String toString() {
        return (reentrant ? "RLock[" : "Lock[") + segment.name() + (base == 0 ? "" : "@" + base) + "]";
    }
}
