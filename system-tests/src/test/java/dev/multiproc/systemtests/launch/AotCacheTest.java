package dev.multiproc.systemtests.launch;

import dev.multiproc.Multiproc;
import dev.multiproc.launcher.JvmProcessLauncher;
import dev.multiproc.pipe.PipeTransport;
import dev.multiproc.shm.ShmSharedObjectsProvider;
import dev.multiproc.systemtests.LeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A program whose class path is all jars gets an AOT cache for its children without asking:
 * the first run trains one in the background, the next run's children start from it, and
 * neither prints a word about it.
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class AotCacheTest {
    @TempDir
    Path tmp;

    @Test
    void childrenOfAJarProgramStartFromAnAotCacheTrainedByTheFirstRun() throws Exception {
        Path cacheDir = tmp.resolve("aot");
        String classPath = jarClassPath();
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Dmultiproc.spares=0", "-Dmultiproc.aotDirectory=" + cacheDir, "-cp", classPath, AotProbe.class.getName());

        Run first = run(command);
        assertThat(first.stdout()).contains("child options: ").doesNotContain("-XX:AOTCache");
        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(200)).until(() -> caches(cacheDir).size() == 1);

        Run second = run(command);
        assertThat(second.stdout()).contains("-XX:AOTCache=" + caches(cacheDir).getFirst());
        for (Run r : List.of(first, second)) {
            assertThat(r.stderr().lines().filter(l -> !l.startsWith("SLF4J(W):")).toList()).as("stderr").isEmpty();
            assertThat(r.stdout().lines().filter(l -> !l.startsWith("child options: ")).toList()).as("stdout").isEmpty();
        }
    }

    private static List<Path> caches(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".aot")).toList();
        }
    }

    /** @return the library's jars, its dependencies' and a jar of the probe: the JVM takes an AOT cache for jars only */
    private String jarClassPath() throws Exception {
        List<String> entries = new ArrayList<>();
        for (Class<?> c : List.of(Multiproc.class, PipeTransport.class, ShmSharedObjectsProvider.class, JvmProcessLauncher.class,
                com.google.protobuf.Message.class, org.slf4j.Logger.class)) {
            entries.add(jarOf(c).toString());
        }
        entries.add(probeJar().toString());
        return String.join(File.pathSeparator, entries);
    }

    /** @return the jar a class comes from; for a module of this build read from target/classes, its packaged jar */
    private static Path jarOf(Class<?> c) throws URISyntaxException, IOException {
        Path location = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (Files.isRegularFile(location)) {
            return location;
        }
        Path target = location.getParent();
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(f -> f.getFileName().toString().matches(".*-\\d.*\\.jar")
                            && !f.getFileName().toString().endsWith("-sources.jar")
                            && !f.getFileName().toString().endsWith("-javadoc.jar"))
                    .findFirst().orElseThrow(() -> new AssertionError("no jar of " + c.getName() + " in " + target
                            + ": this test runs after the modules were packaged (mvn verify)"));
        }
    }

    private Path probeJar() throws URISyntaxException, IOException {
        Path classes = Path.of(AotProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String entry = AotProbe.class.getName().replace('.', '/') + ".class";
        Path jar = tmp.resolve("probe.jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out)) {
            j.putNextEntry(new JarEntry(entry));
            j.write(Files.readAllBytes(classes.resolve(entry)));
            j.closeEntry();
        }
        return jar;
    }

    private record Run(String stdout, String stderr) {
    }

    private Run run(List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile(tmp, "run", ".out");
        Path err = Files.createTempFile(tmp, "run", ".err");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("no exit within 120 s: " + command);
        }
        Run r = new Run(Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        assertThat(p.exitValue()).as("exit code; stdout:%n%s%nstderr:%n%s", r.stdout(), r.stderr()).isZero();
        return r;
    }
}
