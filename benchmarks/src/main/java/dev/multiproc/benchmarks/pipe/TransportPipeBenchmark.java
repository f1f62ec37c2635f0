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
 * one-way 64-byte messages (10 M timed after 10 M untimed; {@code -Dbench.small} changes both), 1 MiB messages and 256 MiB messages (throughput, until the child's
 * acknowledgement; the 256 MiB figure beside a memcpy of as much in one JVM, each round). The
 * child is started from this process, as a user's would be; each round's first 20,000 round trips
 * are not counted (JIT warm-up).
 *
 * <p>Run with {@code flock /tmp/bench.lock benchmarks/run.sh pipe.TransportPipeBenchmark [rounds] [transports]}
 * (default 3 rounds of {@code pipe,shm}). Prints a Markdown table of medians.
 */
public final class TransportPipeBenchmark {
    private static final int WARM = 20_000;
    private static final int RTTS = 100_000;
    /** One-way 64-byte messages timed, after as many untimed ones again (the JIT compiles the path meanwhile). */
    private static final int SMALL = Integer.getInteger("bench.small", 10_000_000);
    private static final int LARGE = 1_000;
    /** Bytes of the huge message, and how many are sent after one that warms up and touches the pages. */
    private static final int HUGE = 256 << 20;
    private static final int HUGE_COUNT = 3;
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
        double[][][] results = new double[transports.length][5][rounds];
        double[] memcpy = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            memcpy[r] = memcpy();
            for (int t = 0; t < transports.length; t++) {
                double[] one = round(transports[t]);
                for (int k = 0; k < one.length; k++) {
                    results[t][k][r] = one[k];
                }
            }
        }
        System.out.printf("Pipe between two JVMs, median of %d rounds%n%n", rounds);
        System.out.println("| transport | RTT 64 B p50 (µs) | RTT 64 B p99 (µs) | one-way 64 B (M msgs/s) | one-way 1 MiB (MB/s) | one-way 256 MiB (MB/s) | 256 MiB / memcpy |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|");
        for (int t = 0; t < transports.length; t++) {
            System.out.printf("| %s | %.1f | %.1f | %.2f | %,.0f | %,.0f | %.2fx |%n", transports[t], median(results[t][0]),
                    median(results[t][1]), median(results[t][2]), median(results[t][3]), median(results[t][4]),
                    median(results[t][4]) / median(memcpy));
        }
        System.out.printf("%nBaseline, same rounds: memcpy of 256 MiB between two Java arrays in one JVM, %,.0f MB/s%n",
                median(memcpy));
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
                for (int round = 0; round < 2; round++) {
                    for (int i = 0; i < SMALL; i++) {
                        in.recvBytesInto(buffer, 0);
                    }
                    in.sendBytes(new byte[1]);
                }
                for (int i = 0; i < LARGE; i++) {
                    in.recvBytesInto(buffer, 0);
                }
                in.sendBytes(new byte[1]);
                byte[] huge = new byte[HUGE];
                for (int i = 0; i <= HUGE_COUNT; i++) {
                    in.recvBytesInto(huge, 0);
                    in.sendBytes(new byte[1]);
                }
            }).start();
            Connection out = sink.left();
            for (int i = 0; i < SMALL; i++) {
                out.sendBytes(msg);
            }
            out.recvBytes();
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
            byte[] huge = new byte[HUGE];
            Arrays.fill(huge, (byte) 1);
            double[] hugeRates = new double[HUGE_COUNT];
            for (int i = 0; i <= HUGE_COUNT; i++) {
                long h0 = System.nanoTime();
                out.sendBytes(huge);
                out.recvBytes();
                if (i > 0) {
                    hugeRates[i - 1] = HUGE * 1e3 / (System.nanoTime() - h0);
                }
            }
            awaitExit(sinker);
            return new double[]{rtt[RTTS / 2] / 1e3, rtt[RTTS * 99 / 100] / 1e3, SMALL * 1e3 / (t1 - t0),
                    (double) LARGE * (1 << 20) * 1e3 / (t2 - t1), median(hugeRates)};
        }
    }

    /** @return MB/s of copying 256 MiB between two arrays in this JVM (both touched first), median of three */
    private static double memcpy() {
        byte[] from = new byte[HUGE];
        byte[] to = new byte[HUGE];
        Arrays.fill(from, (byte) 1);
        Arrays.fill(to, (byte) 2);
        double[] rates = new double[3];
        for (int i = 0; i < rates.length; i++) {
            long t0 = System.nanoTime();
            System.arraycopy(from, 0, to, 0, HUGE);
            rates[i] = HUGE * 1e3 / (System.nanoTime() - t0);
        }
        return median(rates);
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
