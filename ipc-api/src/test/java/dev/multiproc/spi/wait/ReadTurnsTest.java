package dev.multiproc.spi.wait;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class ReadTurnsTest {
    private static final long GRACE = ReadTurns.GRACE_NANOS;
    private long now = TimeUnit.SECONDS.toNanos(1);
    private final ReadTurns turns = new ReadTurns(() -> now);

    @Test
    void withNoTakerTheBackgroundThreadReadsAtOnce() {
        assertThat(turns.parkNanos()).isZero();
        assertThat(turns.waiterReads()).isFalse();
    }

    @Test
    void aTakerInALoopKeepsTheTurnAndTheBackgroundThreadBacksOffUpToTheCap() {
        waiterReadsFor(10_000);
        assertThat(turns.parkNanos()).isEqualTo(GRACE);
        waiterReadsFor(10_000);
        assertThat(turns.parkNanos()).isEqualTo(2 * GRACE);
        waiterReadsFor(10_000);
        assertThat(turns.parkNanos()).isEqualTo(4 * GRACE);
        for (int i = 0; i < 10; i++) {
            waiterReadsFor(10_000);
            assertThat(turns.parkNanos()).isLessThanOrEqualTo(ReadTurns.MAX_PARK_NANOS);
        }
        assertThat(turns.parkNanos()).isEqualTo(ReadTurns.MAX_PARK_NANOS);
    }

    @Test
    void whileATakerReadsTheBackgroundThreadParksAndRechecks() {
        turns.waiterStarts();
        now += 1_000;
        assertThat(turns.waiterReads()).isTrue();
        assertThat(turns.parkNanos()).isEqualTo(GRACE);
    }

    @Test
    void aTakerWaitingLongerThanTheGraceIsLeftAloneUntilItSignals() {
        turns.waiterStarts();
        now += GRACE;
        assertThat(turns.parkNanos()).isEqualTo(ReadTurns.UNTIL_SIGNALLED);
        assertThat(turns.waiterStops()).as("a long serve signals the parked thread").isTrue();
    }

    @Test
    void aShortServeDoesNotSignal() {
        turns.waiterStarts();
        now += GRACE - 1;
        assertThat(turns.waiterStops()).isFalse();
    }

    @Test
    void takersThatStopHandTheTurnBackAfterTheGraceAndTheBackOffStartsOver() {
        waiterReadsFor(10_000);
        turns.parkNanos();
        turns.parkNanos();
        now += GRACE;
        assertThat(turns.parkNanos()).as("idle for the grace: read now").isZero();
        waiterReadsFor(10_000);
        assertThat(turns.parkNanos()).isEqualTo(GRACE);
    }

    @Test
    void aHandOverKeepsTheBackgroundThreadAwayForTheGrace() {
        turns.handedOver();
        now += GRACE - 1;
        assertThat(turns.parkNanos()).isEqualTo(GRACE);
        now += GRACE;
        assertThat(turns.parkNanos()).isZero();
    }

    private void waiterReadsFor(long nanos) {
        turns.waiterStarts();
        now += nanos;
        turns.waiterStops();
    }
}
