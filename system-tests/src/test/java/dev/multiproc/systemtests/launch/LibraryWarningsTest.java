package dev.multiproc.systemtests.launch;

import dev.multiproc.Multiproc;
import dev.multiproc.launcher.JvmProcessLauncher;
import dev.multiproc.pipe.PipeTransport;
import dev.multiproc.shm.ShmSharedObjectsProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The library's warnings reach stderr once, readably, with no logging library (through
 * {@code System.Logger}), and go to SLF4J when it has a provider; SLF4J's "no providers" banner
 * is never printed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LibraryWarningsTest {
    private static final String TAKEN_OVER = "which died; thread 'main' of process";

    @Test
    void withNoLoggingLibraryAWarningReachesStderrOnce() throws Exception {
        JavaRun.Result run = JavaRun.run(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-cp", classPath(false), WarningProbe.class.getName()));
        assertThat(run.exitCode()).as("exit code; %s", run).isZero();
        assertThat(run.stdout()).contains("lock taken over after holder exited with 3");
        assertThat(run.stderr().split(TAKEN_OVER, -1)).as("stderr:%n%s", run.stderr()).hasSize(2);
        assertThat(run.stderr()).contains("WARNING: ").doesNotContain("SLF4J");
    }

    @Test
    void withAnSlf4jProviderTheWarningGoesThere() throws Exception {
        JavaRun.Result run = JavaRun.run(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-cp", classPath(true), WarningProbe.class.getName()));
        assertThat(run.exitCode()).as("exit code; %s", run).isZero();
        assertThat(run.stderr().split(TAKEN_OVER, -1)).as("stderr:%n%s", run.stderr()).hasSize(2);
        // slf4j-simple's format: "[thread] LEVEL logger - message"
        assertThat(run.stderr()).containsPattern("\\[main\\] WARN dev\\.multiproc\\.shm\\.internal\\.ShmLock - ")
                .doesNotContain("No SLF4J providers");
    }

    private static String classPath(boolean withProvider) throws URISyntaxException {
        List<Class<?>> classes = new ArrayList<>(List.of(WarningProbe.class, Multiproc.class, PipeTransport.class,
                ShmSharedObjectsProvider.class, JvmProcessLauncher.class, com.google.protobuf.Message.class,
                org.slf4j.Logger.class));
        if (withProvider) {
            classes.add(org.slf4j.simple.SimpleLogger.class);
        }
        List<String> entries = new ArrayList<>();
        for (Class<?> c : classes) {
            entries.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        return String.join(File.pathSeparator, entries);
    }
}
