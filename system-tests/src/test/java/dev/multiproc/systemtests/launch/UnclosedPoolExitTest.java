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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A program that returns from main with a pool it never closed exits: its daemon workers are
 * stopped, not replaced, and nothing waits for them.
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class UnclosedPoolExitTest {
    @Test
    void aProgramThatNeverClosedItsPoolExits() throws Exception {
        for (int round = 0; round < 4; round++) {
            Path out = Files.createTempFile("unclosed", ".out");
            try {
                List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                        "-cp", System.getProperty("java.class.path"), UnclosedPoolProbe.class.getName());
                Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
                boolean exited = p.waitFor(30, TimeUnit.SECONDS);
                if (!exited) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                }
                String output = Files.readString(out, StandardCharsets.UTF_8);
                assertThat(exited).as("round %d exits within 30 s; output:%n%s", round, output).isTrue();
                assertThat(p.exitValue()).isZero();
                assertThat(output).contains("mapped 1000");
            } finally {
                Files.deleteIfExists(out);
            }
        }
    }
}
