package dev.multiproc.spi;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ContextSettingsTest {
    @Test
    void defaultsDependOnTheTransport() {
        assertThat(ContextSettings.resolve("pipe", Map.of()).maxFrameBytes()).isEqualTo(Integer.MAX_VALUE);
        assertThat(ContextSettings.resolve("socket", Map.of()).maxFrameBytes()).isEqualTo(64 << 20);
        assertThat(ContextSettings.resolve("pipe", Map.of()).futex()).isTrue();
    }

    @Test
    void overridesWinAndJvmOptionsAreSplitOnWhitespace() {
        ContextSettings s = ContextSettings.resolve("pipe", Map.of(
                ContextSettings.JVM_OPTIONS, " -Xmx256m  -XX:+UseSerialGC ",
                ContextSettings.WAIT_SPIN_NANOS, "0",
                ContextSettings.FUTEX, "false",
                ContextSettings.MAX_FRAME_BYTES, "4096"));
        assertThat(s.jvmOptions()).containsExactly("-Xmx256m", "-XX:+UseSerialGC");
        assertThat(s.waits().spinNanos()).isZero();
        assertThat(s.futex()).isFalse();
        assertThat(s.maxFrameBytes()).isEqualTo(4096);
        assertThat(s.forTransport("socket").maxFrameBytes()).isEqualTo(4096);
        assertThat(ContextSettings.resolve("pipe", Map.of(ContextSettings.JVM_OPTIONS, "  ")).jvmOptions()).isEmpty();
    }

    @Test
    void badValuesAndUnknownSettingsNameWhatIsWrong() {
        assertThatThrownBy(() -> ContextSettings.resolve("pipe", Map.of(ContextSettings.MAX_FRAME_BYTES, "lots")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiproc.maxFrameBytes")
                .hasMessageContaining("'lots'");
        assertThatThrownBy(() -> ContextSettings.resolve("pipe", Map.of(ContextSettings.MAX_FRAME_BYTES, "0")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was 0");
        assertThatThrownBy(() -> ContextSettings.resolve("pipe", Map.of("multiproc.nope", "1")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiproc.nope")
                .hasMessageContaining(ContextSettings.WAIT_YIELD_NANOS);
    }
}
