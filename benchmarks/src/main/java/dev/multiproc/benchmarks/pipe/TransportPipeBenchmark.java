package dev.multiproc.benchmarks.pipe;

import dev.multiproc.Connection;
import dev.multiproc.Context;
import dev.multiproc.IpcProcess;
import dev.multiproc.Multiproc;
import dev.multiproc.Pipe;

import java.time.Duration;
import java.util.Arrays;

/**
 * The same two-process scenarios on each local transport's {@link Pipe}, alternating transports
 * round by round so that every one sees the same machine: a child echoes 64-byte messages (round
 * trip, p50 and p99 of the user's {@code sendBytes}/{@code recvBytes}), then a child sinks
 * one-way 64-byte messages and 1 MiB messages (throughput, until the child's acknowledgement). The
 * child is started from this process, as a user's would be; each round's first 20,000 round trips
 * are not counted (JIT warm-up).
 *
 * <p>Run with {@code flock /tmp/bench.lock benchmarks/run.sh pipe.TransportPipeBenchmark [rounds] [transports]}
 * (default 3 rounds of {@code pipe,shm}). Prints a Markdown table of medians.
 */
public final class TransportPipeBenchmark {
    private static final int WARM = 20_000;
    private static final int RTTS = 100_000;
    private static final int SMALL = 2_000_000;
    private static final int LARGE = 1_000;
    private static final Duration LIMIT = Duration.ofMinutes(2);

    private TransportPipeBenchmark() {
    }

    /**
     * @param args [rounds] [transports, comma-separated]
     * @throws Exception if a run fails
     */
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        String[] transports = (args.length > 1 ? args[1] : "pipe,shm").split(",");
        double[][][] results = new double[transports.length][4][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int t = 0; t < transports.length; t++) {
                double[] one = round(transports[t]);
                for (int k = 0; k < one.length; k++) {
                    results[t][k][r] = one[k];
                }
            }
        }
        System.out.printf("Pipe between two JVMs, median of %d rounds%n%n", rounds);
        System.out.println("| transport | RTT 64 B p50 (µs) | RTT 64 B p99 (µs) | one-way 64 B (M msgs/s) | one-way 1 MiB (MB/s) |");
        System.out.println("|---|---:|---:|---:|---:|");
        for (int t = 0; t < transports.length; t++) {
            System.out.printf("| %s | %.1f | %.1f | %.2f | %,.0f |%n", transports[t], median(results[t][0]),
                    median(results[t][1]), median(results[t][2]), median(results[t][3]));
        }
    }

    private static double[] round(String transport) throws Exception {
        try (Context ctx = Multiproc.context(transport)) {
            Pipe echo = ctx.pipe();
            Connection there = echo.right();
            IpcProcess echoer = ctx.process(() -> {
                byte[] buffer = new byte[64];
                for (int i = 0; i < WARM + RTTS; i++) {
                    int n = there.recvBytesInto(buffer, 0);
                    there.sendBytes(buffer, 0, n);
                }
            }).start();
            Connection here = echo.left();
            byte[] msg = new byte[64];
            long[] rtt = new long[RTTS];
            for (int i = 0; i < WARM + RTTS; i++) {
                long t0 = System.nanoTime();
                here.sendBytes(msg);
                here.recvBytesInto(msg, 0);
                if (i >= WARM) {
                    rtt[i - WARM] = System.nanoTime() - t0;
                }
            }
            awaitExit(echoer);
            Arrays.sort(rtt);

            Pipe sink = ctx.pipe();
            Connection in = sink.right();
            IpcProcess sinker = ctx.process(() -> {
                byte[] buffer = new byte[1 << 20];
                for (int i = 0; i < SMALL; i++) {
                    in.recvBytesInto(buffer, 0);
                }
                in.sendBytes(new byte[1]);
                for (int i = 0; i < LARGE; i++) {
                    in.recvBytesInto(buffer, 0);
                }
                in.sendBytes(new byte[1]);
            }).start();
            Connection out = sink.left();
            long t0 = System.nanoTime();
            for (int i = 0; i < SMALL; i++) {
                out.sendBytes(msg);
            }
            out.recvBytes();
            long t1 = System.nanoTime();
            byte[] large = new byte[1 << 20];
            for (int i = 0; i < LARGE; i++) {
                out.sendBytes(large);
            }
            out.recvBytes();
            long t2 = System.nanoTime();
            awaitExit(sinker);
            return new double[]{rtt[RTTS / 2] / 1e3, rtt[RTTS * 99 / 100] / 1e3, SMALL * 1e3 / (t1 - t0),
                    (double) LARGE * (1 << 20) * 1e3 / (t2 - t1)};
        }
    }

    private static void awaitExit(IpcProcess p) throws InterruptedException {
        if (!p.join(LIMIT) || p.exitCode().orElse(-1) != 0) {
            p.kill();
            throw new IllegalStateException(p.name() + " failed: " + p.exitCode() + " " + p.failure());
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
