package dev.multiproc.shm.internal;

import dev.multiproc.IpcBarrier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

@Timeout(60)
class BarrierTest extends SharedObjectsFixture {
    @Test
    void partiesPassInLockstepWithOneLastArrivalPerPass() throws Exception {
        int parties = 4;
        int passes = 200;
        IpcBarrier barrier = shared.barrier(parties);
        AtomicIntegerArray zeros = new AtomicIntegerArray(passes);
        List<Future<?>> fs = new ArrayList<>();
        for (int p = 0; p < parties; p++) {
            fs.add(pool.submit(() -> {
                for (int i = 0; i < passes; i++) {
                    int index = barrier.await(Duration.ofSeconds(20));
                    assertThat(index).isBetween(0, parties - 1);
                    if (index == 0) {
                        zeros.incrementAndGet(i);
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : fs) {
            f.get(30, TimeUnit.SECONDS);
        }
        for (int i = 0; i < passes; i++) {
            assertThat(zeros.get(i)).as("pass %d", i).isEqualTo(1);
        }
        assertThat(barrier.numberWaiting()).isZero();
        assertThat(barrier.isBroken()).isFalse();
    }

    @Test
    void aTimeoutBreaksTheBarrierForEveryoneUntilReset() throws Exception {
        IpcBarrier barrier = shared.barrier(3);
        Future<Class<?>> other = waitingParty(barrier);
        assertThatThrownBy(() -> barrier.await(Duration.ofMillis(100))).isInstanceOf(TimeoutException.class);
        assertThat(other.get(5, TimeUnit.SECONDS)).isEqualTo(BrokenBarrierException.class);
        assertThat(barrier.isBroken()).isTrue();
        assertThatThrownBy(barrier::await).isInstanceOf(BrokenBarrierException.class);
        barrier.reset();
        assertThat(barrier.isBroken()).isFalse();
        assertThat(barrier.parties()).isEqualTo(3);
    }

    @Test
    void abortBreaksAndResetWakesCurrentWaitersWithBrokenBarrier() throws Exception {
        IpcBarrier barrier = shared.barrier(2);
        barrier.abort();
        assertThat(barrier.isBroken()).isTrue();
        assertThatThrownBy(barrier::await).isInstanceOf(BrokenBarrierException.class);
        barrier.reset();
        Future<Class<?>> waiter = waitingParty(barrier);
        barrier.reset();
        assertThat(waiter.get(5, TimeUnit.SECONDS)).isEqualTo(BrokenBarrierException.class);
        assertThat(barrier.isBroken()).isFalse();
        Future<Integer> a = pool.submit(() -> barrier.await(Duration.ofSeconds(10)));
        int b = barrier.await(Duration.ofSeconds(10));
        assertThat(List.of(a.get(5, TimeUnit.SECONDS), b)).containsExactlyInAnyOrder(0, 1);
    }

    @Test
    void anInterruptedPartyBreaksTheBarrier() throws Exception {
        IpcBarrier barrier = shared.barrier(2);
        Future<?> waiter = pool.submit(() -> barrier.await());
        await().atMost(Duration.ofSeconds(10)).until(() -> barrier.numberWaiting() == 1);
        waiter.cancel(true);
        await().atMost(Duration.ofSeconds(2)).until(barrier::isBroken);
    }

    @Test
    void onePartyPassesAlone() throws Exception {
        assertThat(shared.barrier(1).await()).isZero();
    }

    /**
     * Starts one party that awaits the barrier without a timeout, and returns once it waits.
     *
     * @return what it ends with: {@code BrokenBarrierException.class}, or null if it passed
     */
    private Future<Class<?>> waitingParty(IpcBarrier barrier) {
        Future<Class<?>> party = pool.submit(() -> {
            try {
                barrier.await();
                return null;
            } catch (BrokenBarrierException e) {
                return e.getClass();
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> barrier.numberWaiting() == 1);
        return party;
    }
}
