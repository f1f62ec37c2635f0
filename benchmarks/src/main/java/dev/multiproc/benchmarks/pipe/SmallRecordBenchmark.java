package dev.multiproc.benchmarks.pipe;

import dev.multiproc.Connection;
import dev.multiproc.Context;
import dev.multiproc.IpcProcess;
import dev.multiproc.Multiproc;
import dev.multiproc.Pipe;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One-way throughput of a small record over a Pipe, against Python 3.11's {@code Connection.send}
 * of the tuple {@code (1, 2.0, 'three', None)}, measured in the same run, alternating: the parent
 * sends N messages, a child receives them all and acknowledges; messages per second from the first
 * send to the ack (as the anchors' {@code mp_bench.py} pipe.oneway case).
 *
 * <p>Run: {@code flock /tmp/bench.lock benchmarks/run.sh pipe.SmallRecordBenchmark [messages] [rounds]}
 * (default 1,000,000 messages, 5 rounds). Needs {@code python3} on the path. Prints a Markdown table.
 */
public final class SmallRecordBenchmark {
    /** The record of Python's tuple. */
    public record Small(int a, double b, String c, Object d) implements Serializable {
    }

    private SmallRecordBenchmark() {
    }

    /**
     * @param args {@code [messages [rounds]]}
     * @throws Exception if a run fails
     */
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path script = Path.of(System.getProperty("bench.python.script", "benchmarks/python/pipe_tuple_oneway.py"));
        if (!Files.isRegularFile(script)) {
            throw new IllegalStateException("cannot find " + script.toAbsolutePath()
                    + "; run from the project root or set -Dbench.python.script");
        }
        List<Double> java = new ArrayList<>();
        List<Double> python = new ArrayList<>();
        try (Context ctx = Multiproc.context("pipe")) {
            javaRound(ctx, n / 5); // warm-up
            for (int r = 0; r < rounds; r++) {
                python.add(pythonRound(script, n));
                java.add(javaRound(ctx, n));
                System.err.printf("round %d: Java %.0f msgs/s, Python %.0f msgs/s%n", r + 1, java.getLast(), python.getLast());
            }
        }
        double j = median(java);
        double p = median(python);
        System.out.println();
        System.out.printf("One-way Pipe throughput, %,d messages, median of %d alternating rounds%n%n", n, rounds);
        System.out.println("| sender | msgs/s | ratio |");
        System.out.println("|---|---:|---:|");
        System.out.printf("| Python 3.11 `Connection.send((1, 2.0, 'three', None))` (fork) | %,.0f | 1.00x |%n", p);
        System.out.printf("| Multiproc `Connection.send(new Small(1, 2.0, \"three\", null))` | %,.0f | %.2fx (target >= 3x) |%n",
                j, j / p);
    }

    private static double javaRound(Context ctx, int n) throws Exception {
        Pipe pipe = ctx.pipe();
        Connection here = pipe.left();
        Connection there = pipe.right();
        IpcProcess child = ctx.process("small-sink", () -> {
            there.send("ready");
            for (int i = 0; i < n; i++) {
                Small s = there.recv();
                if (s.a() != 1) {
                    throw new IllegalStateException("got " + s);
                }
            }
            there.send("done");
        }).start();
        here.recv();
        Small s = new Small(1, 2.0, "three", null);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            here.send(s);
        }
        here.recv();
        double rate = n / ((System.nanoTime() - t0) / 1e9);
        if (!child.join(Duration.ofMinutes(1)) || child.exitCode().orElse(-1) != 0) {
            throw new IllegalStateException("sink child failed: " + child.exitCode() + " " + child.failure());
        }
        here.close();
        return rate;
    }

    private static double pythonRound(Path script, int n) throws Exception {
        Process p = new ProcessBuilder("python3", script.toString(), Integer.toString(n), "1")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String line;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            line = in.readLine();
        }
        if (p.waitFor() != 0 || line == null) {
            throw new IllegalStateException("python3 " + script + " failed with exit code " + p.exitValue());
        }
        return Double.parseDouble(line.trim());
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
