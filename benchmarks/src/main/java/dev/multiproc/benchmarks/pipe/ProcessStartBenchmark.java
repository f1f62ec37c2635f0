package dev.multiproc.benchmarks.pipe;

import dev.multiproc.Connection;
import dev.multiproc.Context;
import dev.multiproc.IpcProcess;
import dev.multiproc.Multiproc;
import dev.multiproc.Pipe;

import java.time.Duration;
import java.util.Arrays;

/**
 * Child JVM {@code start()} until its first message arrives on a one-way {@link Pipe} (Python's
 * {@code process.start_to_ready}): the child's target captures the sending end and sends one
 * message. One warm-up start, then 20 samples; prints a Markdown table (median, min, max).
 *
 * <p>Run under the benchmark lock, e.g.
 * {@code flock /tmp/bench.lock java --enable-native-access=ALL-UNNAMED -cp ... dev.multiproc.benchmarks.pipe.ProcessStartBenchmark [samples]}.
 */
public final class ProcessStartBenchmark {
    private ProcessStartBenchmark() {
    }

    /**
     * @param args {@code [samples]} (default 20)
     * @throws Exception on any failure
     */
    public static void main(String[] args) throws Exception {
        int samples = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        double[] millis = new double[samples];
        try (Context ctx = Multiproc.context("pipe")) {
            for (int i = -1; i < samples; i++) {
                Pipe pipe = ctx.pipe(false);
                Connection reader = pipe.left();
                Connection writer = pipe.right();
                long start = System.nanoTime();
                IpcProcess child = ctx.process(() -> writer.send("ready")).start();
                String first = reader.recv();
                long elapsed = System.nanoTime() - start;
                if (!first.equals("ready") || !child.join(Duration.ofSeconds(30)) || child.exitCode().orElse(-1) != 0) {
                    throw new IllegalStateException("child " + child.name() + " did not report ready and exit 0: "
                            + first + ", exit " + child.exitCode());
                }
                reader.close();
                if (i >= 0) {
                    millis[i] = elapsed / 1e6;
                }
            }
        }
        Arrays.sort(millis);
        System.out.printf("%n| start() until the child's first Pipe message (%d samples after 1 warm-up) | ms |%n", samples);
        System.out.println("|---|---|");
        System.out.printf("| median | %.1f |%n| min | %.1f |%n| max | %.1f |%n", millis[samples / 2], millis[0],
                millis[samples - 1]);
    }
}
