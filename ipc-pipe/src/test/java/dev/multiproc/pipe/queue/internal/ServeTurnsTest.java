package dev.multiproc.pipe.queue.internal;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class ServeTurnsTest {
    private static final long GRACE = ServeTurns.GRACE_NANOS;
    private long now = TimeUnit.SECONDS.toNanos(1);
    private final ServeTurns turns = new ServeTurns(() -> now);

    @Test
    void withNoTakerTheBackgroundThreadReadsAtOnce() {
        assertThat(turns.parkNanos()).isZero();
        assertThat(turns.takerServes()).isFalse();
    }

    @Test
    void aTakerInALoopKeepsTheTurnAndTheBackgroundThreadBacksOffUpToTheCap() {
        takerServesFor(10_000);
        assertThat(turns.parkNanos()).isEqualTo(GRACE);
        takerServesFor(10_000);
        assertThat(turns.parkNanos()).isEqualTo(2 * GRACE);
        takerServesFor(10_000);
        assertThat(turns.parkNanos()).isEqualTo(4 * GRACE);
        for (int i = 0; i < 10; i++) {
            takerServesFor(10_000);
            assertThat(turns.parkNanos()).isLessThanOrEqualTo(ServeTurns.MAX_PARK_NANOS);
        }
        assertThat(turns.parkNanos()).isEqualTo(ServeTurns.MAX_PARK_NANOS);
    }

    @Test
    void whileATakerReadsTheBackgroundThreadParksAndRechecks() {
        turns.takerStarts();
        now += 1_000;
        assertThat(turns.takerServes()).isTrue();
        assertThat(turns.parkNanos()).isEqualTo(GRACE);
    }

    @Test
    void aTakerWaitingLongerThanTheGraceIsLeftAloneUntilItSignals() {
        turns.takerStarts();
        now += GRACE;
        assertThat(turns.parkNanos()).isEqualTo(ServeTurns.UNTIL_SIGNALLED);
        assertThat(turns.takerStops()).as("a long serve signals the parked thread").isTrue();
    }

    @Test
    void aShortServeDoesNotSignal() {
        turns.takerStarts();
        now += GRACE - 1;
        assertThat(turns.takerStops()).isFalse();
    }

    @Test
    void takersThatStopHandTheTurnBackAfterTheGraceAndTheBackOffStartsOver() {
        takerServesFor(10_000);
        turns.parkNanos();
        turns.parkNanos();
        now += GRACE;
        assertThat(turns.parkNanos()).as("idle for the grace: read now").isZero();
        takerServesFor(10_000);
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

    private void takerServesFor(long nanos) {
        turns.takerStarts();
        now += nanos;
        turns.takerStops();
    }
}
