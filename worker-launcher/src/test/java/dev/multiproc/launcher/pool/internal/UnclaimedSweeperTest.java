package dev.multiproc.launcher.pool.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The sweeper sweeps while there is something to sweep, sleeps when idle, and wakes on demand. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class UnclaimedSweeperTest {
    @Test
    void sweepsWhileBusySleepsWhenIdleAndWakesOnDemand() throws Exception {
        AtomicInteger sweeps = new AtomicInteger();
        AtomicBoolean busy = new AtomicBoolean(true);
        UnclaimedSweeper sweeper = new UnclaimedSweeper("test-sweeper", new UnclaimedSweeper.Sweep() {
            @Override
            public boolean run() {
                sweeps.incrementAndGet();
                return busy.get();
            }

            @Override
            public boolean pending() {
                return busy.get();
            }
        });
        sweeper.start();
        try {
            awaitSweeps(sweeps, UnclaimedSweeper.IDLE_SWEEPS + 10);
            assertThat(sweeper.asleep()).as("asleep while busy").isFalse();
            busy.set(false);
            awaitTrue(sweeper::asleep);
            int asleepAt = sweeps.get();
            busy.set(true);
            sweeper.wake();
            awaitSweeps(sweeps, asleepAt + 5);
            assertThat(sweeper.asleep()).isFalse();
        } finally {
            sweeper.stop();
        }
        awaitTrue(() -> !sweeper.alive());
    }

    private static void awaitSweeps(AtomicInteger sweeps, int atLeast) {
        awaitTrue(() -> sweeps.get() >= atLeast);
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waited 20 s").isNegative();
            Thread.onSpinWait();
        }
    }
}
