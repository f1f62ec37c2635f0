package dev.multiproc.launcher.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ExitCodesTest {
    @Test
    void ordinaryCodesPassThrough() {
        assertThat(ExitCodes.toExitCode(0, true, 0)).isZero();
        assertThat(ExitCodes.toExitCode(1, true, 0)).isEqualTo(1);
        assertThat(ExitCodes.toExitCode(7, false, 0)).isEqualTo(7);
        assertThat(ExitCodes.toExitCode(128, false, 0)).isEqualTo(128);
        assertThat(ExitCodes.toExitCode(255, false, 0)).isEqualTo(255);
    }

    @Test
    void signalSentByTheParentBecomesMinusN() {
        assertThat(ExitCodes.toExitCode(143, false, ExitCodes.SIGTERM)).isEqualTo(-15);
        assertThat(ExitCodes.toExitCode(137, false, ExitCodes.SIGKILL)).isEqualTo(-9);
        // The parent's signal wins even if the child had reported the end of its target.
        assertThat(ExitCodes.toExitCode(143, true, ExitCodes.SIGTERM)).isEqualTo(-15);
    }

    @Test
    void deathBySignalNobodySentIsMinusNWhenNoExitWasReported() {
        assertThat(ExitCodes.toExitCode(139, false, 0)).isEqualTo(-11);
        assertThat(ExitCodes.toExitCode(134, false, 0)).isEqualTo(-6);
        assertThat(ExitCodes.toExitCode(159, false, 0)).isEqualTo(-31);
        assertThat(ExitCodes.toExitCode(160, false, 0)).isEqualTo(160);
    }

    @Test
    void reportedExitKeepsA128PlusNCode() {
        assertThat(ExitCodes.toExitCode(130, true, 0)).isEqualTo(130);
        assertThat(ExitCodes.toExitCode(137, true, ExitCodes.SIGTERM)).isEqualTo(137);
    }
}
