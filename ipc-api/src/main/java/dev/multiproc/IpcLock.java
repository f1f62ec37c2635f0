package dev.multiproc;

import java.util.concurrent.locks.Lock;

/**
 * A lock shared by processes. Ownership follows {@code java.util.concurrent}: per thread, across
 * processes. A lock whose holder process dies is recovered by the next acquirer.
 */
public interface IpcLock extends Lock {
    /**
     * Acquires the lock for a try-with-resources block ({@code with lock:} in Python).
     *
     * @return a {@link Held} that releases the lock on close
     */
    Held acquire();

    /** @return whether any thread of any process holds the lock */
    boolean isLocked();

    /**
     * @return a condition bound to this lock, usable from every process
     */
    @Override
    IpcCondition newCondition();
}
