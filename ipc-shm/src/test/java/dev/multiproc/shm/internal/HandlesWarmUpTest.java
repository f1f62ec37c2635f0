package dev.multiproc.shm.internal;

import dev.multiproc.spi.ContextSettings;
import dev.multiproc.spi.process.ProcessLiveness;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shm warm-up a spare JVM runs (futex calls, a pipe and a queue of its own) works in a plain
 * JVM and leaves no file behind: a spare that becomes a child holds nothing of it.
 */
class HandlesWarmUpTest {
    private final Path dir = ContextSettings.process().shmDirectory();

    @Test
    void warmUpRunsAndLeavesNoFile() throws IOException {
        List<String> before = filesOfThisProcess();
        Handles.warmUp();
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
        assertThat(filesOfThisProcess()).containsExactlyInAnyOrderElementsOf(before);
    }

    private List<String> filesOfThisProcess() throws IOException {
        String pid = Long.toString(ProcessLiveness.selfPid());
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.contains(pid)).toList();
        }
    }
}
