package dev.multiproc.benchmarks.queue;

import dev.multiproc.Context;
import dev.multiproc.ContextOptions;
import dev.multiproc.IpcEvent;
import dev.multiproc.IpcProcess;
import dev.multiproc.JoinableQueue;
import dev.multiproc.Multiproc;
import dev.multiproc.SharedLong;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A user's pipeline through a {@link JoinableQueue}, on the transport {@code -Dbench.transport}
 * names ({@code pipe} by default): N text lines,
 * one line per item, counted (spaces per line) by consumer processes that {@code taskDone()} each;
 * the producers put them, and the run ends when {@code join()} returns. Producers: this process
 * for 1, child processes for more. Lines per second from the first put to {@code join()}, for
 * 1→1, 1→2 and 2→2 producers→consumers, with Python 3.11's {@code multiprocessing.JoinableQueue}
 * running the same pipeline ({@code benchmarks/python/joinable_pipeline.py}) in the same sitting
 * as the baseline. Beside each rate, the CPU time per line of each role (this process, which
 * hosts the queue's broker; the producer processes; the consumer processes): steadier than the
 * rate on a shared machine, and what tells where the time goes.
 *
 * <p>Run with {@code flock /tmp/bench.lock benchmarks/run.sh queue.PipelineBenchmark [lines] [rounds] [python] [shapes]}
 * (python: the interpreter, default {@code python3}; {@code none} skips it; shapes: e.g. {@code 1x2,2x2};
 * {@code BENCH_OPTS=-Dbench.spares=1} measures with a warm spare, as a default context keeps).
 * Prints a Markdown table of medians.
 */
public final class PipelineBenchmark {
    private static final Duration LIMIT = Duration.ofMinutes(5);
    private static final String END = "\u0000end";
    private static final int[][] SHAPES = {{1, 1}, {1, 2}, {2, 2}};
    /**
     * Warm spare JVMs of the measured context ({@code -Dbench.spares}, default 0), awaited before
     * the children start: each child started takes a spare, whose replacement then warms up
     * (about 2 CPU-seconds) during the first seconds of the measurement, which is of the queue.
     */
    private static final int SPARES = Integer.getInteger("bench.spares", 0);

    private PipelineBenchmark() {
    }

    /**
     * @param args [lines] [rounds] [python]
     * @throws Exception if a run fails
     */
    public static void main(String[] args) throws Exception {
        int lines = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String python = args.length > 2 ? args[2] : "python3";
        int[][] shapes = args.length > 3 ? parseShapes(args[3]) : SHAPES;
        List<String> table = new ArrayList<>();
        table.add("| producers → consumers | Multiproc (lines/s) | Python (lines/s) | ratio "
                + "| CPU µs per line: this process (broker) | producers | consumers |");
        table.add("|---|---:|---:|---:|---:|---:|---:|");
        for (int[] shape : shapes) {
            double[] ours = new double[rounds];
            double[] theirs = new double[rounds];
            double[][] cpu = new double[3][rounds];
            for (int r = 0; r < rounds; r++) { // alternate, so that both see the same machine
                Run run = run(lines, shape[0], shape[1]);
                ours[r] = run.linesPerSecond();
                cpu[0][r] = run.ownerCpuNanos() / 1e3 / lines;
                cpu[1][r] = run.producerCpuNanos() / 1e3 / lines;
                cpu[2][r] = run.consumerCpuNanos() / 1e3 / lines;
                theirs[r] = "none".equals(python) ? Double.NaN : runPython(python, lines, shape[0], shape[1]);
            }
            double a = median(ours);
            double b = median(theirs);
            table.add(String.format("| %d → %d | %,.0f | %,.0f | %.1f× | %.2f | %s | %.2f |", shape[0], shape[1], a, b, a / b,
                    median(cpu[0]), shape[0] > 1 ? String.format("%.2f", median(cpu[1])) : "(this process)", median(cpu[2])));
        }
        System.out.printf("JoinableQueue pipeline, %,d lines, one line per item, median of %d rounds, %d spare(s)%n%n",
                lines, rounds, SPARES);
        table.forEach(System.out::println);
    }

    /** @return "1x2,2x2" as {{1, 2}, {2, 2}} */
    private static int[][] parseShapes(String text) {
        return Arrays.stream(text.split(",")).map(s -> s.split("x"))
                .map(pc -> new int[]{Integer.parseInt(pc[0]), Integer.parseInt(pc[1])}).toArray(int[][]::new);
    }

    static String line(int i) {
        return "line " + i + ": the quick brown fox jumps over the lazy dog";
    }

    static long spaces(String line) {
        long n = 0;
        for (int i = 0; i < line.length(); i++) {
            if (line.charAt(i) == ' ') {
                n++;
            }
        }
        return n;
    }

    /**
     * One measured run.
     *
     * @param linesPerSecond    lines from the first put to {@code join()}
     * @param ownerCpuNanos     CPU time of this process (the queue's broker, and the producer of 1 → n) meanwhile
     * @param producerCpuNanos  CPU time of the producer processes while they put, summed
     * @param consumerCpuNanos  CPU time of the consumer processes from their first measured item to the end, summed
     */
    private record Run(double linesPerSecond, long ownerCpuNanos, long producerCpuNanos, long consumerCpuNanos) {
    }

    /** @return this process's CPU time so far, user and system, in nanoseconds */
    static long cpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().orElseThrow().toNanos();
    }

    private static Run run(int lines, int producers, int consumers) throws Exception {
        String transport = System.getProperty("bench.transport", "pipe");
        try (Context ctx = Multiproc.context(ContextOptions.builder().transport(transport).spares(SPARES).build())) {
            JoinableQueue<String> queue = ctx.joinableQueue();
            SharedLong counted = ctx.sharedLong(0);
            SharedLong producerCpu = ctx.sharedLong(0);
            SharedLong consumerCpu = ctx.sharedLong(0);
            IpcEvent go = ctx.event();
            if (SPARES > 0 && !dev.multiproc.launcher.WarmSpares.awaitWarm(ctx, LIMIT)) {
                throw new IllegalStateException("no warm spare within " + LIMIT);
            }
            List<IpcProcess> children = new ArrayList<>();
            for (int c = 0; c < consumers; c++) {
                children.add(ctx.process("consumer-" + c, () -> {
                    long sum = 0;
                    long cpu0 = -1;
                    for (String s; !(s = queue.take()).equals(END); queue.taskDone()) {
                        if (cpu0 < 0 && !s.equals(line(-1))) {
                            cpu0 = cpuNanos(); // its first measured line
                        }
                        sum += spaces(s);
                    }
                    queue.taskDone();
                    consumerCpu.addAndGet(cpu0 < 0 ? 0 : cpuNanos() - cpu0);
                    counted.addAndGet(sum);
                }).start());
            }
            List<IpcProcess> producing = new ArrayList<>();
            if (producers > 1) {
                for (int p = 0; p < producers; p++) {
                    int from = (int) ((long) lines * p / producers);
                    int to = (int) ((long) lines * (p + 1) / producers);
                    producing.add(ctx.process("producer-" + p, () -> {
                        go.await();
                        long cpu0 = cpuNanos();
                        for (int i = from; i < to; i++) {
                            queue.put(line(i));
                        }
                        producerCpu.addAndGet(cpuNanos() - cpu0);
                    }).start());
                }
            }
            queue.put(line(-1)); // the consumers are up and taking before the clock starts
            queue.join();
            long cpu0 = cpuNanos();
            long t0 = System.nanoTime();
            if (producers > 1) {
                go.set();
                for (IpcProcess p : producing) {
                    awaitExit(p);
                }
            } else {
                for (int i = 0; i < lines; i++) {
                    queue.put(line(i));
                }
            }
            queue.join();
            long t1 = System.nanoTime();
            long ownerCpu = cpuNanos() - cpu0;
            for (int c = 0; c < consumers; c++) {
                queue.put(END);
            }
            for (IpcProcess c : children) {
                awaitExit(c);
            }
            long expected = spaces(line(-1));
            for (int i = 0; i < lines; i++) {
                expected += spaces(line(i));
            }
            if (counted.get() != expected) {
                throw new IllegalStateException("consumers counted " + counted.get() + " spaces, expected " + expected);
            }
            return new Run(lines * 1e9 / (t1 - t0), ownerCpu, producerCpu.get(), consumerCpu.get());
        }
    }

    private static double runPython(String python, int lines, int producers, int consumers) throws Exception {
        Path script = Path.of(System.getProperty("bench.root", "."), "benchmarks", "python", "joinable_pipeline.py");
        Process p = new ProcessBuilder(python, script.toString(), Integer.toString(lines), Integer.toString(producers),
                Integer.toString(consumers)).redirectErrorStream(true).start();
        String out;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            out = String.join("\n", r.lines().toList());
        }
        if (!p.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(python + " " + script + " failed: " + out);
        }
        return Double.parseDouble(out.strip().lines().reduce((a, b) -> b).orElseThrow());
    }

    private static void awaitExit(IpcProcess p) throws InterruptedException {
        if (!p.join(LIMIT)) {
            p.kill();
            throw new IllegalStateException(p.name() + " did not finish within " + LIMIT);
        }
        if (p.exitCode().orElse(-1) != 0) {
            throw new IllegalStateException(p.name() + " failed: " + p.exitCode() + " " + p.failure());
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
