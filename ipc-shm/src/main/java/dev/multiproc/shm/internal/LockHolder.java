package dev.multiproc.shm.internal;

import dev.multiproc.spi.process.ProcessLiveness;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

import static dev.multiproc.shm.internal.LockDescriptor.HOLDS_OFFSET;
import static dev.multiproc.shm.internal.LockDescriptor.OWNER_PID_OFFSET;
import static dev.multiproc.shm.internal.LockDescriptor.OWNER_START_OFFSET;
import static dev.multiproc.shm.internal.LockDescriptor.OWNER_THREAD_OFFSET;

/**
 * Who holds a {@link ShmLock}, beyond the pid in its state word: the holder fields of the
 * {@link LockDescriptor lock block} (hold count, thread id, and the pid and start stamp that tell
 * a live holder from a dead one or from a later process with the same pid). Only the holder
 * writes them, right after the CAS that took the lock and before the release that lets it go;
 * others read them only to name the holder or to check that it is alive. Not thread-safe on its
 * own: the lock's state word orders every access.
 */
final class LockHolder {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final MemorySegment mem;
    private final long base;
    private final boolean reentrant;
    private final long selfPid;

    /**
     * @param mem       the body of the lock's segment
     * @param base      offset of the lock block in it
     * @param reentrant whether the hold count is kept (a plain lock's is always 1)
     * @param selfPid   this process's pid, as in the state word
     */
    LockHolder(MemorySegment mem, long base, boolean reentrant, long selfPid) {
        this.mem = mem;
        this.base = base;
        this.reentrant = reentrant;
        this.selfPid = selfPid;
    }

    /** @return this process's pid, as a lock's state word holds it */
    static int selfPidWord() {
        long pid = ProcessLiveness.selfPid();
        if (pid <= 0 || pid > LockDescriptor.PID_MASK) {
            throw new IllegalStateException("pid " + pid + " does not fit the 30-bit holder field of a shared lock");
        }
        return (int) pid;
    }

    /** Records the calling thread as holder; runs right after the CAS that took the lock. */
    void recordSelf(int holds) {
        if (reentrant) {
            INT.set(mem, base + HOLDS_OFFSET, holds); // plain: only the holder touches it
        }
        LONG.setOpaque(mem, base + OWNER_THREAD_OFFSET, Thread.currentThread().threadId());
        // rewritten only when another process held it last: saves stores on the hot path
        if ((long) LONG.getOpaque(mem, base + OWNER_PID_OFFSET) != selfPid
                || (long) LONG.getOpaque(mem, base + OWNER_START_OFFSET) != ProcessLiveness.selfStart()) {
            LONG.setOpaque(mem, base + OWNER_START_OFFSET, ProcessLiveness.selfStart());
            LONG.setOpaque(mem, base + OWNER_PID_OFFSET, selfPid);
        }
    }

    /** Clears the holder; runs right before the release of the state word, so no later holder sees a stale id. */
    void clear() {
        if (reentrant) {
            INT.set(mem, base + HOLDS_OFFSET, 0);
        }
        LONG.setOpaque(mem, base + OWNER_THREAD_OFFSET, 0L);
    }

    /** @return the hold count (the holder's own: plain read) */
    int holds() {
        return reentrant ? (int) INT.get(mem, base + HOLDS_OFFSET) : 1;
    }

    /** @param holds the new hold count of a reentrant lock (the holder's own: plain write) */
    void setHolds(int holds) {
        INT.set(mem, base + HOLDS_OFFSET, holds);
    }

    /** @return the holder's thread id (opaque: compared only with the reader's own id, which only the reader writes) */
    long thread() {
        return (long) LONG.getOpaque(mem, base + OWNER_THREAD_OFFSET);
    }

    /** @return whether the calling thread of this process is the one recorded, and not a dead process that had our pid before */
    boolean isSelf() {
        return thread() == Thread.currentThread().threadId()
                && (long) LONG.getOpaque(mem, base + OWNER_START_OFFSET) == ProcessLiveness.selfStart();
    }

    /**
     * @param pid the holder pid in the state word
     * @return whether that process is alive (with the start stamp recorded for it, if it recorded one)
     */
    boolean isAlive(long pid) {
        long recordedPid = (long) LONG.getOpaque(mem, base + OWNER_PID_OFFSET);
        long stamp = recordedPid == pid ? (long) LONG.getOpaque(mem, base + OWNER_START_OFFSET) : 0;
        return ProcessLiveness.isAlive(pid, stamp);
    }
}
