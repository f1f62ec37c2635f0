package dev.multiproc.systemtests.launch;

import dev.multiproc.systemtests.LeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** A child gets its parent's JVM settings, as Python's children do: heap, system properties, time zone. */
@ExtendWith(LeakCheck.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JvmSettingsInheritanceTest {
    @Test
    void aChildHasItsParentsHeapPropertiesAndTimeZone() throws Exception {
        Path out = Files.createTempFile("settings", ".out");
        Path err = Files.createTempFile("settings", ".err");
        try {
            List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                    "-Xmx300m", "-Dfoo=bar", "-Duser.timezone=Asia/Tokyo", "-Dmultiproc.spares=0",
                    "-cp", System.getProperty("java.class.path"), SettingsProbe.class.getName());
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
            String stdout = Files.readString(out, StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as("stdout:%n%s%nstderr:%n%s", stdout, Files.readString(err, StandardCharsets.UTF_8)).isZero();
            assertThat(stdout).contains("child sees foo=bar tz=Asia/Tokyo maxMemoryMiB=");
            Matcher heap = Pattern.compile("maxMemoryMiB=(\\d+)").matcher(stdout);
            assertThat(heap.find()).isTrue();
            assertThat(Integer.parseInt(heap.group(1))).as("the child's heap, MiB").isBetween(250, 300);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
