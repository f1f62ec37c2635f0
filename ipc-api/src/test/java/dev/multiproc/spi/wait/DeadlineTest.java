package dev.multiproc.spi.wait;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class DeadlineTest {
    @Test
    void hugeAndNegativeTimeoutsSaturate() {
        assertThat(Deadline.after(Duration.ofSeconds(Long.MAX_VALUE)).isTimed()).isFalse();
        assertThat(Deadline.after(Duration.ofSeconds(Long.MIN_VALUE)).isExpired()).isTrue();
        assertThat(Deadline.toNanos(Duration.ofSeconds(Long.MAX_VALUE))).isEqualTo(Long.MAX_VALUE / 4);
        assertThat(Deadline.toNanos(Duration.ofSeconds(Long.MIN_VALUE))).isEqualTo(-Long.MAX_VALUE / 4);
        assertThat(Deadline.after(null).isTimed()).isFalse();
    }

    @Test
    void zeroDoesNotWaitAndTimedDeadlinesCountDown() {
        assertThat(Deadline.after(Duration.ZERO).isExpired()).isTrue();
        assertThat(Deadline.now().remainingNanos()).isZero();
        assertThat(Deadline.now().remainingMillisCeil()).isZero();
        Deadline d = Deadline.after(Duration.ofSeconds(10));
        assertThat(d.isExpired()).isFalse();
        assertThat(d.remainingNanos()).isBetween(1L, 10_000_000_000L);
        assertThat(d.remainingMillisCeil()).isBetween(9_000, 10_000);
        assertThat(d.sliceNanos(1000)).isEqualTo(1000);
        assertThat(Deadline.never().remainingMillisCeil()).isEqualTo(-1);
    }

    @Test
    void theWaitStrategyGoesFromSpinToYieldToSleep() {
        WaitStrategy waits = new WaitStrategy(0, 0);
        assertThat(waits.idle(System.nanoTime())).isFalse();
        WaitStrategy busy = new WaitStrategy(Long.MAX_VALUE / 8, 0);
        assertThat(busy.idle(System.nanoTime())).isTrue();
        assertThat(busy.pastSpin(System.nanoTime())).isFalse();
        assertThat(WaitStrategy.sliceNanos(100, true, 0)).isEqualTo(100);
        assertThat(WaitStrategy.sliceNanos(0, false, 0)).isEqualTo(WaitStrategy.SLICE_NANOS);
    }
}
