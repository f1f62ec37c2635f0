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
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

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
    private static final long RUN_SECONDS = 150;

    @Test
    void theDemoAndItsChildrenRunOnTheClassPath() throws Exception {
        Run run = run(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-cp", applicationPath(), Demo.class.getName()));
        assertDemoRan(run, "on the class path");
    }

    @Test
    void theDemoAndItsChildrenRunOnTheModulePath() throws Exception {
        Run run = run(List.of("--enable-native-access=dev.multiproc.pipe,dev.multiproc.shm",
                "--sun-misc-unsafe-memory-access=allow",
                "--module-path", applicationPath(), "-m", "dev.multiproc.samples/" + Demo.class.getName()));
        assertDemoRan(run, "on the module path");
    }

    @Test
    void withTheReadmesFlagsAndNoLoggingProviderTheChildrenPrintNothingTheProgramDidNotAskFor() throws Exception {
        String withoutProvider = applicationPath().replace(File.pathSeparator + jarOf(org.slf4j.simple.SimpleLogger.class), "");
        assertThat(withoutProvider).doesNotContain("slf4j-simple");
        Run run = run(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-cp", withoutProvider, Demo.class.getName()));
        assertDemoRan(run, "on the class path");
        // SLF4J tells the program, once, that it has no provider; its children say nothing
        assertThat(run.stderr.split("No SLF4J providers", -1)).as("stderr:%n%s", run.stderr).hasSizeLessThanOrEqualTo(2);
        assertThat(run.stderr.lines().filter(l -> !l.startsWith("SLF4J(W):")).toList()).as("stderr").isEmpty();
    }

    private static String jarOf(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    private static void assertDemoRan(Run run, String launchedFrom) {
        assertThat(run.exitCode).as("exit code; stdout:%n%s%nstderr:%n%s", run.stdout, run.stderr).isZero();
        assertThat(run.stdout)
                .contains("CPUs, " + launchedFrom)
                .contains("1. pipe:  sent 'hello', got 'HELLO from echo'")
                .contains("2. queue: 3 workers summed 1..1000 = 500500, largest 1000")
                .contains("3. pool:  squares [1, 4, 9, 16, 25, 36, 49, 64, 81, 100]; a task ran in ")
                .containsPattern("a task ran in [^,]+, " + launchedFrom);
        assertThat(run.stderr).as("stderr").doesNotContain("WARNING").doesNotContain("Exception");
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

    private record Run(int exitCode, String stdout, String stderr) {
    }

    private static Run run(List<String> arguments) throws IOException, InterruptedException {
        Path out = Files.createTempFile("launch-modes", ".out");
        Path err = Files.createTempFile("launch-modes", ".err");
        try {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(arguments);
            Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(RUN_SECONDS, TimeUnit.SECONDS)) {
                Stream.concat(process.descendants(), Stream.of(process.toHandle())).forEach(ProcessHandle::destroyForcibly);
                process.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("no exit within " + RUN_SECONDS + " s: " + command + "\nstdout:\n"
                        + Files.readString(out, StandardCharsets.UTF_8) + "\nstderr:\n" + Files.readString(err, StandardCharsets.UTF_8));
            }
            return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
