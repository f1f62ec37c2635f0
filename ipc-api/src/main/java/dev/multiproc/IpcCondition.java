package dev.multiproc;

import java.util.concurrent.locks.Condition;

/** A condition variable shared by processes, bound to an {@link IpcLock}. */
public interface IpcCondition extends Condition {
    /**
     * Wakes up to {@code n} waiters.
     *
     * @param n how many waiters to wake
     */
    void signal(int n);
}
