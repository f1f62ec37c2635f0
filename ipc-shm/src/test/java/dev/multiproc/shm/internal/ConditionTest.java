package dev.multiproc.shm.internal;

import dev.multiproc.IpcCondition;
import dev.multiproc.IpcLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

@Timeout(60)
class ConditionTest extends SharedObjectsFixture {
    /** Starts {@code n} waiters that each count themselves woken; returns once all are registered. */
    private List<Future<?>> waiters(IpcLock lock, ShmCondition cond, int n, AtomicInteger woken) {
        List<Future<?>> fs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            fs.add(pool.submit(() -> {
                lock.lock();
                try {
                    cond.await();
                    woken.incrementAndGet();
                } finally {
                    lock.unlock();
                }
                return null;
            }));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> cond.waitingCount() == n);
        return fs;
    }

    private static void signal(IpcLock lock, Runnable r) {
        lock.lock();
        try {
            r.run();
        } finally {
            lock.unlock();
        }
    }

    @Test
    void signalWakesExactlyOneThenTwoThenAll() throws Exception {
        IpcLock lock = shared.lock();
        ShmCondition cond = (ShmCondition) lock.newCondition();
        AtomicInteger woken = new AtomicInteger();
        List<Future<?>> fs = waiters(lock, cond, 5, woken);

        signal(lock, cond::signal);
        await().atMost(Duration.ofSeconds(5)).until(() -> woken.get() == 1);
        assertThat(cond.waitingCount()).isEqualTo(4);

        signal(lock, () -> cond.signal(2));
        await().atMost(Duration.ofSeconds(5)).until(() -> woken.get() == 3);
        assertThat(cond.waitingCount()).isEqualTo(2);
        // nobody else wakes: give them a moment to (wrongly) do so
        assertThat(woken.get()).isEqualTo(3);

        signal(lock, cond::signalAll);
        for (Future<?> f : fs) {
            f.get(10, TimeUnit.SECONDS);
        }
        assertThat(woken.get()).isEqualTo(5);
        assertThat(cond.waitingCount()).isZero();
    }

    @Test
    void signalWithNoWaitersIsNotRemembered() throws Exception {
        IpcLock lock = shared.rlock();
        IpcCondition cond = lock.newCondition();
        signal(lock, cond::signalAll);
        lock.lock();
        try {
            assertThat(cond.await(100, TimeUnit.MILLISECONDS)).isFalse();
        } finally {
            lock.unlock();
        }
    }

    @Test
    void timedWaitsReturnFalseAfterAboutTheTimeoutAndKeepTheLock() throws Exception {
        IpcLock rlock = shared.rlock();
        IpcCondition cond = rlock.newCondition();
        rlock.lock();
        rlock.lock();
        try {
            long start = System.nanoTime();
            assertThat(cond.awaitNanos(TimeUnit.MILLISECONDS.toNanos(150))).isLessThanOrEqualTo(0);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(140), Duration.ofSeconds(3));
            assertThat(cond.awaitUntil(new Date(System.currentTimeMillis() + 50))).isFalse();
            assertThat(((ShmLock) rlock).holdCount()).isEqualTo(2);
        } finally {
            rlock.unlock();
            rlock.unlock();
        }
        assertThat(rlock.isLocked()).isFalse();
    }

    @Test
    void awaitAndSignalWithoutTheLockThrow() {
        IpcLock lock = shared.lock();
        IpcCondition cond = lock.newCondition();
        assertThatThrownBy(cond::await).isInstanceOf(IllegalMonitorStateException.class);
        assertThatThrownBy(cond::signal).isInstanceOf(IllegalMonitorStateException.class);
        assertThatThrownBy(() -> cond.signal(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anInterruptedWaiterThrowsAndLeavesNoRegistration() throws Exception {
        IpcLock lock = shared.lock();
        ShmCondition cond = (ShmCondition) lock.newCondition();
        Future<Boolean> f = pool.submit(() -> {
            lock.lock();
            try {
                cond.await();
                return false;
            } catch (InterruptedException e) {
                return lock.tryLock() == false && ((ShmLock) lock).isHeldByCurrentThread();
            } finally {
                lock.unlock();
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> cond.waitingCount() == 1);
        f.cancel(true);
        await().atMost(Duration.ofSeconds(2)).until(() -> cond.waitingCount() == 0 && !lock.isLocked());
    }
}
