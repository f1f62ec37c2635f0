package dev.multiproc.shm.internal.ring;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The lock that lets one thread at a time send on a pipe end: a CAS to enter and a release store
 * to leave, one atomic instruction per send where a {@code ReentrantLock} takes two. A thread that
 * finds it taken spins, yields, then parks for short, bounded times and looks again, so the
 * leaving thread never has anyone to wake; sends that overlap are rare (they are whole messages
 * from several threads of one process) and wait at most a few microseconds past the release.
 * Not reentrant. Thread-safe.
 */
final class SendGate {
    private static final VarHandle BUSY;
    private static final long PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(20);

    static {
        try {
            BUSY = MethodHandles.lookup().findVarHandle(SendGate.class, "busy", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // through BUSY
    private volatile int busy;

    /** Enters, waiting while another thread is inside. */
    void enter() {
        if (!BUSY.compareAndSet(this, 0, 1)) {
            enterSlow();
        }
    }

    private void enterSlow() {
        boolean interrupted = false;
        for (int spins = 0; ; spins++) {
            if ((int) BUSY.getOpaque(this) == 0 && BUSY.compareAndSet(this, 0, 1)) {
                if (interrupted) {
                    Thread.currentThread().interrupt(); // kept for the caller, as ReentrantLock.lock() keeps it
                }
                return;
            }
            if (spins < 100) {
                Thread.onSpinWait();
            } else if (spins < 200) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(PARK_NANOS);
                interrupted |= Thread.interrupted(); // else a pending interrupt would turn the parks into a spin
            }
        }
    }

    /** Leaves: a release store, so everything done inside is seen by the next thread to enter. */
    void leave() {
        BUSY.setRelease(this, 0);
    }
}
