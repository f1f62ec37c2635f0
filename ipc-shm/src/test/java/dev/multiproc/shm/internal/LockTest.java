package dev.multiproc.shm.internal;

import dev.multiproc.Held;
import dev.multiproc.IpcLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class LockTest extends SharedObjectsFixture {
    private <T> T inOtherThread(java.util.concurrent.Callable<T> task) throws Exception {
        return pool.submit(task).get(10, TimeUnit.SECONDS);
    }

    @Test
    void tryLockFailsWhileAnotherThreadHoldsIt() throws Exception {
        IpcLock lock = shared.lock();
        assertThat(lock.isLocked()).isFalse();
        lock.lock();
        assertThat(lock.isLocked()).isTrue();
        assertThat((boolean) inOtherThread(lock::tryLock)).isFalse();
        assertThat(inOtherThread(() -> lock.tryLock(50, TimeUnit.MILLISECONDS))).isFalse();
        lock.unlock();
        assertThat(inOtherThread(() -> {
            boolean got = lock.tryLock();
            lock.unlock();
            return got;
        })).isTrue();
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void unlockOfAnUnlockedLockOrByAnotherThreadThrows() throws Exception {
        IpcLock lock = shared.lock();
        assertThatThrownBy(lock::unlock).isInstanceOf(IllegalMonitorStateException.class)
                .hasMessageContaining("not locked");
        lock.lock();
        Throwable t = inOtherThread(() -> {
            try {
                lock.unlock();
                return null;
            } catch (IllegalMonitorStateException e) {
                return e;
            }
        });
        assertThat(t).isInstanceOf(IllegalMonitorStateException.class).hasMessageContaining("held by process "
                + ProcessHandle.current().pid());
        lock.unlock();
    }

    @Test
    void plainLockIsNotReentrant() {
        IpcLock lock = shared.lock();
        lock.lock();
        assertThat(lock.tryLock()).isFalse();
        assertThatThrownBy(lock::lock).isInstanceOf(IllegalMonitorStateException.class)
                .hasMessageContaining("would deadlock");
        lock.unlock();
        assertThatThrownBy(lock::unlock).isInstanceOf(IllegalMonitorStateException.class);
    }

    @Test
    void rlockIsReentrantThreeTimesAndAnExtraUnlockThrows() throws Exception {
        IpcLock rlock = shared.rlock();
        rlock.lock();
        assertThat(rlock.tryLock()).isTrue();
        assertThat(rlock.tryLock(1, TimeUnit.SECONDS)).isTrue();
        assertThat(((ShmLock) rlock).holdCount()).isEqualTo(3);
        rlock.unlock();
        rlock.unlock();
        assertThat((boolean) inOtherThread(rlock::tryLock)).isFalse();
        rlock.unlock();
        assertThat(rlock.isLocked()).isFalse();
        assertThatThrownBy(rlock::unlock).isInstanceOf(IllegalMonitorStateException.class);
    }

    @Test
    void acquireReleasesWithTryWithResources() {
        IpcLock lock = shared.lock();
        try (Held held = lock.acquire()) {
            assertThat(lock.isLocked()).isTrue();
            held.close(); // closing twice releases once
        }
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void timedTryLockWaitsAboutTheTimeout() throws Exception {
        IpcLock lock = shared.lock();
        lock.lock();
        long start = System.nanoTime();
        assertThat(inOtherThread(() -> lock.tryLock(200, TimeUnit.MILLISECONDS))).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(190), Duration.ofSeconds(3));
        lock.unlock();
    }

    @Test
    void aSleepingWaiterIsWokenByTheRelease() throws Exception {
        IpcLock lock = shared.lock();
        long[] latencies = new long[5];
        for (int round = 0; round < latencies.length; round++) {
            lock.lock();
            CountDownLatch started = new CountDownLatch(1);
            Future<Long> waiter = pool.submit(() -> {
                started.countDown();
                lock.lock();
                long at = System.nanoTime();
                lock.unlock();
                return at;
            });
            started.await();
            awaitParticipantAsleep();
            long released = System.nanoTime();
            lock.unlock();
            latencies[round] = waiter.get(5, TimeUnit.SECONDS) - released;
        }
        java.util.Arrays.sort(latencies);
        // woken by the release, not by the end of its 50 ms sleep slice (median: robust to a busy machine)
        assertThat(Duration.ofNanos(latencies[latencies.length / 2])).isLessThan(Duration.ofMillis(25));
    }

    @Test
    void lockInterruptiblyHonoursInterruptWithinASlice() throws Exception {
        IpcLock lock = shared.lock();
        lock.lock();
        CountDownLatch started = new CountDownLatch(1);
        Future<Long> waiter = pool.submit(() -> {
            started.countDown();
            try {
                lock.lockInterruptibly();
                return -1L;
            } catch (InterruptedException e) {
                return System.nanoTime();
            }
        });
        started.await();
        awaitParticipantAsleep();
        long interruptedAt = System.nanoTime();
        waiter.cancel(true);
        // cancel(true) interrupted it; the thread notices within one 50 ms slice
        pool.shutdown();
        assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - interruptedAt)).isLessThan(Duration.ofMillis(500));
        lock.unlock();
    }

    @Test
    void exclusiveUnderContention() throws Exception {
        IpcLock lock = shared.lock();
        long[] plain = new long[1];
        int threads = 4;
        int perThread = 50_000;
        CountDownLatch go = new CountDownLatch(1);
        Future<?>[] fs = new Future<?>[threads];
        for (int t = 0; t < threads; t++) {
            fs[t] = pool.submit(() -> {
                go.await();
                for (int i = 0; i < perThread; i++) {
                    lock.lock();
                    try {
                        plain[0]++;
                    } finally {
                        lock.unlock();
                    }
                }
                return null;
            });
        }
        go.countDown();
        for (Future<?> f : fs) {
            f.get(30, TimeUnit.SECONDS);
        }
        lock.lock();
        assertThat(plain[0]).isEqualTo((long) threads * perThread);
        lock.unlock();
    }

    @Test
    void aLockHeldByADeadProcessIsTakenOverWithin100Ms() throws Exception {
        ShmLock lock = (ShmLock) shared.rlock();
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        long dead = p.pid();
        // forge the state a killed holder leaves: its pid in the word (contended), its record beside it
        var mem = lock.segment().body();
        mem.set(ValueLayout.JAVA_LONG, LockDescriptor.OWNER_THREAD_OFFSET, 1L);
        mem.set(ValueLayout.JAVA_LONG, LockDescriptor.OWNER_PID_OFFSET, dead);
        mem.set(ValueLayout.JAVA_INT, LockDescriptor.HOLDS_OFFSET, 2);
        mem.set(ValueLayout.JAVA_INT, LockDescriptor.STATE_OFFSET, (int) dead);
        assertThat(lock.tryLock()).isFalse();
        AtomicLong took = new AtomicLong();
        long start = System.nanoTime();
        inOtherThread(() -> {
            lock.lock();
            took.set(System.nanoTime() - start);
            assertThat(((ShmLock) lock).holdCount()).isEqualTo(1);
            lock.unlock();
            return null;
        });
        assertThat(Duration.ofNanos(took.get())).isLessThan(Duration.ofMillis(100));
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void newConditionIsLimitedPerLockWithAClearMessage() {
        IpcLock lock = shared.lock();
        for (int i = 0; i < LockDescriptor.MAX_CONDITIONS; i++) {
            lock.newCondition();
        }
        assertThatThrownBy(lock::newCondition).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("room for " + LockDescriptor.MAX_CONDITIONS + " conditions");
    }
}
