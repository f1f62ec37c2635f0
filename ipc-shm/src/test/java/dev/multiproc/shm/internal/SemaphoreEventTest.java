package dev.multiproc.shm.internal;

import dev.multiproc.IpcEvent;
import dev.multiproc.IpcSemaphore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class SemaphoreEventTest extends SharedObjectsFixture {
    @Test
    void semaphoreCountsPermits() throws Exception {
        IpcSemaphore sem = shared.semaphore(2, false);
        assertThat(sem.tryAcquire()).isTrue();
        sem.acquire();
        assertThat(sem.availablePermits()).isZero();
        assertThat(sem.tryAcquire()).isFalse();
        assertThat(sem.tryAcquire(Duration.ZERO)).isFalse();
        long start = System.nanoTime();
        assertThat(sem.tryAcquire(Duration.ofMillis(120))).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(110), Duration.ofSeconds(3));
        sem.release();
        sem.release();
        sem.release(); // unbounded: may grow past the initial count
        assertThat(sem.availablePermits()).isEqualTo(3);
    }

    @Test
    void boundedSemaphoreRefusesOverRelease() throws Exception {
        IpcSemaphore sem = shared.semaphore(1, true);
        assertThatThrownBy(sem::release).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already has 1 permits, its bound");
        sem.acquire();
        sem.release();
        assertThat(sem.availablePermits()).isEqualTo(1);
    }

    @Test
    void aReleaseWakesASleepingAcquirer() throws Exception {
        IpcSemaphore sem = shared.semaphore(0, false);
        Future<Boolean> f = pool.submit(() -> sem.tryAcquire(Duration.ofSeconds(10)));
        awaitParticipantAsleep();
        sem.release();
        assertThat(f.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(sem.availablePermits()).isZero();
    }

    @Test
    void semaphoreAcquireHonoursInterrupt() throws Exception {
        IpcSemaphore sem = shared.semaphore(0, false);
        Future<String> f = pool.submit(() -> {
            try {
                sem.acquire();
                return "acquired";
            } catch (InterruptedException e) {
                return "interrupted";
            }
        });
        awaitParticipantAsleep();
        f.cancel(true);
        pool.shutdown();
        assertThat(pool.awaitTermination(2, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void eventAwaitTimesOutThenSeesSet() throws Exception {
        IpcEvent event = shared.event();
        assertThat(event.isSet()).isFalse();
        long start = System.nanoTime();
        assertThat(event.await(Duration.ofMillis(150))).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(140), Duration.ofSeconds(3));
        assertThat(event.await(Duration.ZERO)).isFalse();
        Future<Boolean> f = pool.submit(() -> event.await(Duration.ofSeconds(10)));
        awaitParticipantAsleep();
        event.set();
        assertThat(f.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(event.isSet()).isTrue();
        event.await();
        event.clear();
        assertThat(event.isSet()).isFalse();
    }

    @Test
    void aWaiterLearnsOfASetEvenIfClearedBeforeItWakes() throws Exception {
        IpcEvent event = shared.event();
        Future<Boolean> f = pool.submit(() -> event.await(Duration.ofSeconds(10)));
        awaitParticipantAsleep();
        event.set();
        event.clear();
        assertThat(f.get(5, TimeUnit.SECONDS)).isTrue();
    }
}
