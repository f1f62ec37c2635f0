package dev.multiproc.launcher.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A spare's warm-up runs every step: a step that fails silently would leave the spare cold. */
class SpareWarmupTest {
    @Test
    void everyStepRuns() {
        assertThat(SpareWarmup.run()).isEmpty();
    }
}
