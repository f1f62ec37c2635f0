package dev.multiproc.systemtests.launch;

import dev.multiproc.Multiproc;
import dev.multiproc.launcher.JvmProcessLauncher;
import dev.multiproc.pipe.PipeTransport;
import dev.multiproc.shm.ShmSharedObjectsProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Follows the README's "Use it from your own project": a separate Maven project (test resource
 * {@code user-project}) depends on the library's artifacts, is built with Maven, and its
 * {@code main} runs with {@code java -cp …} and with {@code mvn exec:java}, whose JVM is Maven's
 * own and whose class path is a class loader's. The artifacts come from this build, in a local
 * repository of their own beside the user's (see {@link ArtifactRepository}), offline.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class UserProjectTest {
    private static final String README_FLAGS = "--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow";
    private static final int MAVEN_SECONDS = 240;

    private static Path tmp;
    private static Path project;
    private static ArtifactRepository repository;

    @BeforeAll
    static void buildTheProject() throws Exception {
        tmp = Files.createTempDirectory("user-project");
        repository = ArtifactRepository.create(tmp.resolve("repository"), Map.of(
                "ipc-api", Multiproc.class, "ipc-pipe", PipeTransport.class,
                "ipc-shm", ShmSharedObjectsProvider.class, "worker-launcher", JvmProcessLauncher.class));
        project = copyProject(tmp.resolve("hello-multiproc"));
        JavaRun.Result build = maven(List.of("package", "dependency:build-classpath",
                "-Dmdep.outputFile=target/classpath.txt"));
        assertThat(build.exitCode()).as("mvn package; %s", build).isZero();
    }

    @AfterAll
    static void deleteTheProject() throws IOException {
        if (repository != null) {
            repository.delete(); // its links first: a recursive delete must never reach the user's repository
        }
        if (tmp != null) {
            try (Stream<Path> walk = Files.walk(tmp)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    @Test
    void itsMainRunsWithJavaAndTheClassPath() throws Exception {
        String classPath = project.resolve("target/classes") + File.pathSeparator
                + Files.readString(project.resolve("target/classpath.txt")).strip();
        List<String> arguments = new ArrayList<>(List.of(README_FLAGS.split(" ")));
        arguments.addAll(List.of("-cp", classPath, "com.example.Hello"));
        JavaRun.Result run = JavaRun.run(arguments);
        assertRan(run);
        assertThat(run.stderr()).as("stderr").isEmpty();
    }

    @Test
    void itsMainRunsWithMavenExecJava() throws Exception {
        long started = System.nanoTime();
        JavaRun.Result run = maven(List.of("exec:java"));
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        assertRan(run);
        // exec:java waits up to 15 s for threads the program left in its thread group
        assertThat(run.stdout()).as("%s", run).doesNotContain("will linger").contains("BUILD SUCCESS");
        assertThat(seconds).as("seconds for mvn exec:java; %s", run).isLessThan(15);
    }

    private static void assertRan(JavaRun.Result run) {
        assertThat(run.exitCode()).as("%s", run).isZero();
        assertThat(run.stdout()).as("%s", run)
                .contains("pipe: HELLO")
                .contains("queue: sum 5050")
                .contains("pool: [1, 4, 9, 16]");
        assertThat(run.stdout() + run.stderr()).as("%s", run).doesNotContain("Could not find or load main class")
                .doesNotContain("Exception");
    }

    private static JavaRun.Result maven(List<String> goals) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(mavenExecutable(), "-B", "-o",
                "-Dmaven.repo.local=" + repository.root(), "-Dmultiproc.version=" + repository.version()));
        command.addAll(goals);
        // the JDK 25 running this test; the README's flags for Maven's own JVM, where exec:java runs main
        return JavaRun.command(command, project, Map.of("JAVA_HOME", System.getProperty("java.home"),
                "MAVEN_OPTS", README_FLAGS), MAVEN_SECONDS);
    }

    private static String mavenExecutable() {
        String home = System.getProperty("maven.home");
        if (home != null && Files.isExecutable(Path.of(home, "bin", "mvn"))) {
            return Path.of(home, "bin", "mvn").toString();
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "mvn"))) {
                return Path.of(dir, "mvn").toString();
            }
        }
        throw new AssertionError("no mvn executable on the PATH (" + System.getenv("PATH") + ") nor in maven.home");
    }

    private static Path copyProject(Path to) throws IOException {
        for (String file : List.of("pom.xml", "src/main/java/com/example/Hello.java")) {
            Path target = to.resolve(file);
            Files.createDirectories(target.getParent());
            try (var in = UserProjectTest.class.getResourceAsStream("/user-project/" + file)) {
                assertThat(in).as("test resource user-project/%s", file).isNotNull();
                Files.write(target, in.readAllBytes());
            }
        }
        assertThat(Files.readString(to.resolve("pom.xml"), StandardCharsets.UTF_8)).contains("dev.multiproc");
        return to;
    }
}
