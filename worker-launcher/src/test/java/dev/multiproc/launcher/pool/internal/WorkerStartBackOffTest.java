package dev.multiproc.launcher.pool.internal;

import org.junit.jupiter.api.Test;

import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

/** How the supervisor reads a worker that ended before it was ready, and how long it waits before the next. */
class WorkerStartBackOffTest {
    @Test
    void signalsFromOutsideAreNotTheWorkersOwnFailure() {
        assertThat(WorkerSupervisor.killedFromOutside(OptionalInt.of(-9))).isTrue();
        assertThat(WorkerSupervisor.killedFromOutside(OptionalInt.of(-15))).isTrue();
        assertThat(WorkerSupervisor.killedFromOutside(OptionalInt.of(-1))).isTrue();
        // a JVM that aborts or crashes ends itself by a signal too
        assertThat(WorkerSupervisor.killedFromOutside(OptionalInt.of(-6))).isFalse();
        assertThat(WorkerSupervisor.killedFromOutside(OptionalInt.of(-11))).isFalse();
        assertThat(WorkerSupervisor.killedFromOutside(OptionalInt.of(1))).isFalse();
        assertThat(WorkerSupervisor.killedFromOutside(OptionalInt.of(0))).isFalse();
        assertThat(WorkerSupervisor.killedFromOutside(OptionalInt.empty())).isFalse();
    }

    @Test
    void theBackOffDoublesFromNothingToItsCap() {
        assertThat(WorkerSupervisor.backOffMillis(0)).isZero();
        assertThat(WorkerSupervisor.backOffMillis(1)).isEqualTo(WorkerSupervisor.FIRST_BACK_OFF_MILLIS);
        assertThat(WorkerSupervisor.backOffMillis(2)).isEqualTo(2 * WorkerSupervisor.FIRST_BACK_OFF_MILLIS);
        assertThat(WorkerSupervisor.backOffMillis(4)).isEqualTo(8 * WorkerSupervisor.FIRST_BACK_OFF_MILLIS);
        assertThat(WorkerSupervisor.backOffMillis(10)).isEqualTo(WorkerSupervisor.MAX_BACK_OFF_MILLIS);
        assertThat(WorkerSupervisor.backOffMillis(1_000)).isEqualTo(WorkerSupervisor.MAX_BACK_OFF_MILLIS);
    }
}
