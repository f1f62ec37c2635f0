package dev.multiproc.systemtests.launch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Runs a command to its end, within a deadline, and keeps its exit code and output. */
final class JavaRun {
    private static final int DEFAULT_SECONDS = 150;

    private JavaRun() {
    }

    /** What a run left: its exit code and everything it wrote. */
    record Result(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit code " + exitCode + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
        }
    }

    /**
     * @param arguments the arguments of this JVM's {@code java}
     * @return how it ended
     */
    static Result run(List<String> arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(arguments);
        return command(command, null, Map.of(), DEFAULT_SECONDS);
    }

    /**
     * @param command     the command
     * @param directory   where it runs, or null for here
     * @param environment variables to set
     * @param seconds     how long it may take; then it and its descendants are killed and the run fails
     * @return how it ended
     */
    static Result command(List<String> command, Path directory, Map<String, String> environment, int seconds)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("java-run", ".out");
        Path err = Files.createTempFile("java-run", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            if (directory != null) {
                builder.directory(directory.toFile());
            }
            builder.environment().putAll(environment);
            Process process = builder.start();
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                Stream.concat(process.descendants(), Stream.of(process.toHandle())).forEach(ProcessHandle::destroyForcibly);
                process.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("no exit within " + seconds + " s: " + command + "\nstdout:\n"
                        + Files.readString(out, StandardCharsets.UTF_8) + "\nstderr:\n" + Files.readString(err, StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
