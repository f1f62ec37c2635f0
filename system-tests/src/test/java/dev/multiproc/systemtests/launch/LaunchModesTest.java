package dev.multiproc.systemtests.launch;

import dev.multiproc.Multiproc;
import dev.multiproc.launcher.JvmProcessLauncher;
import dev.multiproc.pipe.PipeTransport;
import dev.multiproc.samples.Demo;
import dev.multiproc.shm.ShmSharedObjectsProvider;
import dev.multiproc.systemtests.LeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo program, with its children, as a user starts it: once with everything on the class
 * path, once with everything on the module path ({@code -m dev.multiproc.samples/...}). Each run
 * is a fresh JVM tree; the run must exit 0, print every step's result, print no JVM warning, and
 * its pool workers must say they were launched the same way as the program.
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LaunchModesTest {

    @Test
    void theDemoAndItsChildrenRunOnTheClassPath() throws Exception {
        JavaRun.Result run = JavaRun.run(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-cp", applicationPath(), Demo.class.getName()));
        assertDemoRan(run, "on the class path");
    }

    @Test
    void theDemoAndItsChildrenRunOnTheModulePath() throws Exception {
        JavaRun.Result run = JavaRun.run(List.of("--enable-native-access=dev.multiproc.pipe,dev.multiproc.shm",
                "--sun-misc-unsafe-memory-access=allow",
                "--module-path", applicationPath(), "-m", "dev.multiproc.samples/" + Demo.class.getName()));
        assertDemoRan(run, "on the module path");
    }

    @Test
    void withTheReadmesFlagsAndNoLoggingProviderTheChildrenPrintNothingTheProgramDidNotAskFor() throws Exception {
        String withoutProvider = applicationPath().replace(File.pathSeparator + jarOf(org.slf4j.simple.SimpleLogger.class), "");
        assertThat(withoutProvider).doesNotContain("slf4j-simple");
        JavaRun.Result run = JavaRun.run(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-cp", withoutProvider, Demo.class.getName()));
        assertDemoRan(run, "on the class path");
        // neither the program nor its children print anything: not even SLF4J's "no providers" banner
        assertThat(run.stderr()).as("stderr").isEmpty();
    }

    private static String jarOf(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private static void assertDemoRan(JavaRun.Result run, String launchedFrom) {
        assertThat(run.exitCode()).as("exit code; stdout:%n%s%nstderr:%n%s", run.stdout(), run.stderr()).isZero();
        assertThat(run.stdout())
                .contains("CPUs, " + launchedFrom)
                .contains("1. pipe:  sent 'hello', got 'HELLO from echo'")
                .contains("2. queue: 3 workers summed 1..1000 = 500500, largest 1000")
                .contains("3. pool:  squares [1, 4, 9, 16, 25, 36, 49, 64, 81, 100]; a task ran in ")
                .containsPattern("a task ran in [^,]+, " + launchedFrom);
        assertThat(run.stderr()).as("stderr").doesNotContain("WARNING").doesNotContain("Exception");
    }

    /** @return the jars (or class directories) of the demo, the library and its dependencies */
    private static String applicationPath() throws URISyntaxException {
        List<String> entries = new ArrayList<>();
        for (Class<?> c : List.of(Demo.class, Multiproc.class, PipeTransport.class, ShmSharedObjectsProvider.class,
                JvmProcessLauncher.class, com.google.protobuf.Message.class, org.slf4j.Logger.class,
                org.slf4j.simple.SimpleLogger.class)) {
            entries.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        return String.join(File.pathSeparator, entries);
    }
}
