package dev.multiproc.shm.internal;

import dev.multiproc.spi.ContextSettings;
import org.junit.jupiter.api.AfterEach;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.LockSupport;

/**
 * What the in-process unit tests of the shm primitives share: one {@link ShmSharedObjects} in the
 * default shm directory and a thread pool for the other participants. After each test the pool is
 * interrupted and the shared objects closed (removing their segment files).
 */
abstract class SharedObjectsFixture {
    private static final Duration ASLEEP_DEADLINE = Duration.ofSeconds(10);
    private static final long POLL_NANOS = 200_000;

    /** Hands out the primitives under test; closed after each test. */
    final ShmSharedObjects shared = new ShmSharedObjects(ContextSettings.process().shmDirectory());
    /** The threads {@link #pool} started, to tell when one of them sleeps in the kernel. */
    private final Set<Thread> poolThreads = ConcurrentHashMap.newKeySet();
    /** Runs the other participants; shut down (interrupted) after each test. */
    final ExecutorService pool = Executors.newCachedThreadPool(task -> {
        Thread t = new Thread(task, "shm-test-participant");
        poolThreads.add(t);
        return t;
    });

    /**
     * Waits, with a deadline, until a thread of {@link #pool} is inside {@link Futex#wait}: the
     * waiter under test has spun out and sleeps, so what follows tests the wake-up from sleep.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    final void awaitParticipantAsleep() throws InterruptedException {
        long deadline = System.nanoTime() + ASLEEP_DEADLINE.toNanos();
        while (poolThreads.stream().noneMatch(SharedObjectsFixture::inFutexWait)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no participant fell asleep in Futex.wait within " + ASLEEP_DEADLINE);
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            LockSupport.parkNanos(POLL_NANOS); // poll interval of the stack inspection
        }
    }

    private static boolean inFutexWait(Thread thread) {
        for (StackTraceElement frame : thread.getStackTrace()) {
            if (frame.getClassName().equals(Futex.class.getName()) && frame.getMethodName().equals("wait")) {
                return true;
            }
        }
        return false;
    }

    @AfterEach
    final void closeFixture() {
        pool.shutdownNow();
        shared.close();
    }
}
