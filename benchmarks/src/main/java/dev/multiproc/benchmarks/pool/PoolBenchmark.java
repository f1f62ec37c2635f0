package dev.multiproc.benchmarks.pool;

import dev.multiproc.Connection;
import dev.multiproc.ConnectionClosedException;
import dev.multiproc.Context;
import dev.multiproc.ContextOptions;
import dev.multiproc.IpcProcess;
import dev.multiproc.Multiproc;
import dev.multiproc.Pipe;
import dev.multiproc.Pool;
import dev.multiproc.PoolOptions;
import dev.multiproc.benchmarks.Placement;
import dev.multiproc.launcher.WarmSpares;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;
import java.util.stream.IntStream;

/**
 * The pool against Python 3.11's {@code multiprocessing.Pool(2)} on this machine (figures from
 * {@code /work/shared/anchors/python/RESULTS.md}), with the pipe round trip between two JVMs
 * measured in the same run as the baseline for latency. Prints a Markdown table.
 *
 * <pre>
 * flock /tmp/bench.lock java ... dev.multiproc.benchmarks.pool.PoolBenchmark [transport [all|latency|cpu]]
 * </pre>
 */
public final class PoolBenchmark {
    private static final int TASKS = 100_000;
    private static final int LATENCY_SAMPLES = 5_000;
    private static final int RTT_SAMPLES = 20_000;
    private static final int CREATION_SAMPLES = 8;
    private static final int CPU_TASKS = 8;
    private static final int CPU_ROUNDS = 5;
    /** Counted before any pinning narrows what the JVM sees. */
    private static final int CPUS = Runtime.getRuntime().availableProcessors();

    private final List<String[]> rows = new ArrayList<>();

    private PoolBenchmark() {
    }

    /**
     * @param args optional transport name (default "pipe"), then what to run: all (default),
     *             latency, cpu or start (a new pool's first steps, cold and from warm spares)
     * @throws Exception if a measurement fails
     */
    public static void main(String[] args) throws Exception {
        String transport = args.length > 0 ? args[0] : "pipe";
        PoolBenchmark bench = new PoolBenchmark();
        String only = args.length > 1 ? args[1] : "all";
        switch (only) {
            case "latency" -> bench.latencyOnly(transport);
            case "cpu" -> {
                try (Context ctx = Multiproc.context(transport)) {
                    bench.cpuScaling(ctx);
                }
                bench.print(transport);
            }
            case "start" -> {
                try (Context ctx = Multiproc.context(ContextOptions.builder().transport(transport).spares(0).build())) {
                    bench.creation(ctx, "pool creation to first apply() result, Pool(2), cold (no spares)", List.of(),
                            "71.7 ms (spawn)");
                }
                bench.fromWarmSpares(transport);
                bench.print(transport);
            }
            case "all" -> bench.run(transport);
            default -> throw new IllegalArgumentException("second argument must be all, latency, cpu or start, was " + only);
        }
    }

    private void run(String transport) throws Exception {
        try (Context ctx = Multiproc.context(ContextOptions.builder().transport(transport).spares(0).build())) {
            double rtt = pipeRoundTripMicros(ctx);
            row("pipe RTT, 64 B send_bytes/recv_bytes (baseline)", "median", fmt(rtt) + " us", "50.8 us", "");

            processStart(ctx);
            creation(ctx, "pool creation to first apply() result, Pool(2), cold (no spares)", List.of(), "71.7 ms (spawn)");
            fromWarmSpares(transport);
            Path dir = Files.createTempDirectory("pool-bench-");
            Path aot = dir.resolve("worker.aot");
            train(ctx, List.of("-XX:AOTCacheOutput=" + aot));
            if (Files.exists(aot)) {
                creation(ctx, "  same, workers with -XX:AOTCache (JDK 25 AOT cache)", List.of("-XX:AOTCache=" + aot),
                        "71.7 ms (spawn)");
            } else {
                row("  AOT cache", "-", "training wrote no cache", "", "");
            }
            Path jsa = dir.resolve("worker.jsa");
            List<String> cds = List.of("-XX:+AutoCreateSharedArchive", "-XX:SharedArchiveFile=" + jsa);
            train(ctx, cds);
            creation(ctx, "  same, workers with dynamic AppCDS archive", cds, "71.7 ms (spawn)");
            creation(ctx, "  same, workers with -XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
                    List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"), "71.7 ms (spawn)");

            try (Pool pool = ctx.pool(2)) {
                List<Integer> items = IntStream.range(0, TASKS).boxed().toList();
                for (int i = 0; i < 3; i++) {
                    pool.map(x -> x * x, items);
                    pool.map(x -> x * x, items, 1);
                }
                double chunk1 = median(5, () -> rate(() -> pool.map(x -> x * x, items, 1)));
                row("map(x -> x * x, 100 000 ints, chunksize 1), Pool(2)", "throughput", fmtRate(chunk1),
                        "37 504 tasks/s", ratio(chunk1 / 37_504) + " (target >= 8x)");
                double chunkDefault = median(7, () -> rate(() -> pool.map(x -> x * x, items)));
                row("map(x -> x * x, 100 000 ints), default chunksize (12 500)", "throughput",
                        fmtRate(chunkDefault), "4 925 213 tasks/s", ratio(chunkDefault / 4_925_213) + " (target >= 1x)");
                double unordered = median(3, () -> rate(() -> {
                    Iterator<Integer> it = pool.imapUnordered(x -> x * x, items);
                    while (it.hasNext()) {
                        it.next();
                    }
                }));
                row("imapUnordered(x -> x * x, 100 000 ints), chunksize 1", "throughput", fmtRate(unordered),
                        "42 680 tasks/s", ratio(unordered / 42_680));

                latency(ctx, pool);
            }
            cpuScaling(ctx);
        }
        print(transport);
    }

    /**
     * Only the pipe round trip and the apply latency, per CPU placement ({@link Placement}: this
     * JVM on CPU 0, the echo child and the workers on CPU 1 or also on CPU 0, or unpinned), and
     * interleaved in rounds so that both see the same load: for tuning the hot path.
     */
    private void latencyOnly(String transport) throws Exception {
        int rounds = Integer.getInteger("bench.latencyRounds", 10);
        int per = 1_000;
        warmUp(transport, per);
        for (String placement : Placement.chosen("split,same,free")) {
            Placement.pinSelf(placement);
            long[] rtt = new long[rounds * per];
            long[] lat = new long[rounds * per];
            double[] ratios = new double[rounds];
            // no warm spare: it would be one more child, and only the echo child and the workers are pinned
            try (Context ctx = Multiproc.context(ContextOptions.builder().transport(transport).spares(0).build());
                 Echo echo = new Echo(ctx); Pool pool = ctx.pool(2)) {
                applyNoops(pool, 20_000); // both JVMs compile the hot path (and the workers are up)
                List<ProcessHandle> children = ProcessHandle.current().children().toList();
                if (children.size() != 3) {
                    throw new IllegalStateException("expected the echo child and 2 workers, found " + children);
                }
                for (ProcessHandle child : children) {
                    Placement.pinChild(placement, child.pid());
                }
                applyNoops(pool, 5_000); // settle after the move
                for (int r = 0; r < rounds; r++) {
                    echo.sample(rtt, r * per, per);
                    timeApplies(pool, lat, r * per, per);
                    ratios[r] = medianMicros(Arrays.copyOfRange(lat, r * per, (r + 1) * per))
                            / medianMicros(Arrays.copyOfRange(rtt, r * per, (r + 1) * per));
                }
            }
            double r = medianMicros(rtt);
            double m = medianMicros(lat);
            Arrays.sort(ratios);
            String cpus = ", CPUs " + placement;
            row("pipe RTT, 64 B send_bytes/recv_bytes (baseline, interleaved)" + cpus, "median", fmt(r) + " us", "50.8 us", spread(rtt));
            row("applyAsync(noop).get() latency (interleaved)" + cpus, "median", fmt(m) + " us", "162.7 us",
                    fmt(m / r) + "x pipe RTT (target <= 1.5x); per round " + fmt(ratios[0]) + "-" + fmt(ratios[rounds - 1]) + "x; " + spread(lat));
        }
        print(transport);
    }

    /**
     * Runs both round trips unpinned and unmeasured, so that this JVM has compiled them before
     * the first placement: pinned to one CPU, the compiler would otherwise share it with the
     * placement measured first (seen: "same" 1.4-1.7x the pipe round trip when measured first,
     * 1.1-1.2x when measured again right after).
     */
    private static void warmUp(String transport, int per) throws Exception {
        try (Context ctx = Multiproc.context(transport); Echo echo = new Echo(ctx); Pool pool = ctx.pool(2)) {
            long[] scratch = new long[per];
            for (int r = 0; r < 50; r++) {
                echo.sample(scratch, 0, per);
                applyNoops(pool, per);
            }
        }
    }

    /** Calls {@code applyAsync(noop).get()} {@code count} times, unmeasured. */
    private static void applyNoops(Pool pool, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            pool.applyAsync(() -> null).get();
        }
    }

    /** Times {@code count} calls of {@code applyAsync(noop).get()} into {@code into[from, from + count)}, in nanoseconds. */
    private static void timeApplies(Pool pool, long[] into, int from, int count) throws Exception {
        for (int i = from; i < from + count; i++) {
            long t0 = System.nanoTime();
            pool.applyAsync(() -> null).get();
            into[i] = System.nanoTime() - t0;
        }
    }

    /** Percentiles that show whether a placement's round trips are one mode or two (same CPU, crossing CPUs). */
    private static final int[] SPREAD_PERCENTILES = {10, 25, 75, 90, 99};

    /** @return e.g. {@code "p10/25/75/90/99 3.9 4.0 6.6 6.8 13 us"} of samples in nanoseconds */
    private static String spread(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        StringJoiner names = new StringJoiner("/", "p", "");
        StringJoiner values = new StringJoiner(" ", " ", " us");
        for (int q : SPREAD_PERCENTILES) {
            names.add(String.valueOf(q));
            values.add(fmt(sorted[sorted.length * q / 100] / 1e3));
        }
        return names + values.toString();
    }

    private static double medianMicros(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2] / 1e3;
    }

    /** Latency after the map runs, unpinned, against a Pipe round trip sampled in the same rounds. */
    private void latency(Context ctx, Pool pool) throws Exception {
        applyNoops(pool, 20_000); // compiles the call path, as the latency-only mode does
        int per = 1_000;
        long[] lat = new long[LATENCY_SAMPLES];
        long[] rtt = new long[LATENCY_SAMPLES];
        try (Echo echo = new Echo(ctx)) {
            echo.sample(rtt, 0, per); // warms the echo up
            for (int from = 0; from < LATENCY_SAMPLES; from += per) {
                echo.sample(rtt, from, per);
                timeApplies(pool, lat, from, per);
            }
        }
        double med = medianMicros(lat);
        double base = medianMicros(rtt);
        Arrays.sort(lat);
        row("applyAsync(noop).get() latency", "median", fmt(med) + " us", "162.7 us",
                fmt(med / base) + "x the pipe RTT sampled alongside, " + fmt(base) + " us (target <= 1.5x); "
                        + ratio(162.7 / med) + " faster than Python");
        row("applyAsync(noop).get() latency", "p99", fmt(lat[lat.length * 99 / 100] / 1e3) + " us",
                "3 047 us", "");
    }

    // ------------------------------------------------------------------ measurements

    /** A child JVM echoing on a duplex pipe: the baseline round trip. */
    private static final class Echo implements AutoCloseable {
        private final IpcProcess process;
        private final Connection mine;
        private final byte[] msg = new byte[64];

        Echo(Context ctx) {
            Pipe pipe = ctx.pipe(true);
            Connection childEnd = pipe.right();
            process = ctx.process("pipe-echo", () -> {
                try {
                    while (true) {
                        childEnd.sendBytes(childEnd.recvBytes());
                    }
                } catch (ConnectionClosedException done) {
                    // the parent closed its end
                }
            }).start();
            mine = pipe.left();
            sample(new long[2_000], 0, 2_000);
        }

        void sample(long[] into, int from, int count) {
            for (int i = from; i < from + count; i++) {
                long t0 = System.nanoTime();
                mine.sendBytes(msg);
                mine.recvBytes();
                into[i] = System.nanoTime() - t0;
            }
        }

        @Override
        public void close() throws InterruptedException {
            mine.close();
            process.join(java.time.Duration.ofSeconds(10));
        }
    }

    private static double pipeRoundTripMicros(Context ctx) throws Exception {
        try (Echo echo = new Echo(ctx)) {
            long[] rtt = new long[RTT_SAMPLES];
            echo.sample(rtt, 0, RTT_SAMPLES);
            Arrays.sort(rtt);
            return rtt[rtt.length / 2] / 1e3;
        }
    }

    /** The launcher's own cost, which bounds pool start: a child JVM started until its first pipe message. */
    private void processStart(Context ctx) throws Exception {
        double[] ms = new double[CREATION_SAMPLES];
        for (int i = 0; i < CREATION_SAMPLES; i++) {
            Pipe pipe = ctx.pipe(false);
            Connection childEnd = pipe.right();
            long t0 = System.nanoTime();
            IpcProcess p = ctx.process(() -> childEnd.send("up")).start();
            pipe.left().recv();
            ms[i] = (System.nanoTime() - t0) / 1e6;
            p.join();
            pipe.left().close();
        }
        Arrays.sort(ms);
        row("process start until its first pipe message (launcher baseline)", "median", fmt(ms[ms.length / 2]) + " ms",
                "81.7 ms (spawn)", "min " + fmt(ms[0]) + " ms");
    }

    /**
     * A new pool's first steps when the context's spares are warm ({@code spares(2)}, waited for
     * before each sample with {@link WarmSpares#awaitWarm}): creation to the first apply() result,
     * close() right after creation, and the first map of 100,000 ints.
     */
    private void fromWarmSpares(String transport) throws Exception {
        int samples = 5;
        double[] first = new double[samples];
        double[] close = new double[samples];
        double[] firstMap = new double[samples];
        List<Integer> items = IntStream.range(0, TASKS).boxed().toList();
        try (Context ctx = Multiproc.context(ContextOptions.builder().transport(transport).spares(2).build())) {
            for (int i = 0; i < samples; i++) {
                awaitTwoWarm(ctx);
                long t0 = System.nanoTime();
                try (Pool pool = ctx.pool(2)) {
                    pool.apply(() -> null);
                    first[i] = (System.nanoTime() - t0) / 1e6;
                }
                awaitTwoWarm(ctx);
                Pool pool = ctx.pool(2);
                long t1 = System.nanoTime();
                pool.close();
                close[i] = (System.nanoTime() - t1) / 1e6;
                awaitTwoWarm(ctx);
                try (Pool fresh = ctx.pool(2)) {
                    long t2 = System.nanoTime();
                    fresh.map(x -> x * x, items);
                    firstMap[i] = TASKS / ((System.nanoTime() - t2) / 1e9);
                }
            }
        }
        Arrays.sort(first);
        Arrays.sort(close);
        Arrays.sort(firstMap);
        row("  same, from warm spares (spares(2))", "median", fmt(first[samples / 2]) + " ms", "4.7 ms (fork)",
                "min " + fmt(first[0]) + " ms");
        row("close() right after Pool(2) creation, from warm spares", "median", fmt(close[samples / 2]) + " ms",
                "1.8 ms", "max " + fmt(close[samples - 1]) + " ms");
        row("first map(x -> x * x, 100 000 ints) of a new Pool(2), from warm spares", "throughput",
                fmtRate(firstMap[samples / 2]), "5.7 M tasks/s", "min " + fmtRate(firstMap[0]));
    }

    /** Waits until two spares are warm (awaitWarm waits for one; the second starts beside it). */
    private static void awaitTwoWarm(Context ctx) throws InterruptedException {
        if (!WarmSpares.awaitWarm(ctx, Duration.ofSeconds(60))) {
            throw new IllegalStateException("no warm spare");
        }
        Thread.sleep(1500); // lets the second spare finish its warm-up too (a benchmark pause, not a synchronization)
    }

    /** Runs a one-worker pool with {@code options} and closes it, so the worker JVM writes its archive. */
    private static void train(Context ctx, List<String> options) {
        try (Pool pool = ctx.pool(PoolOptions.builder().processes(1).jvmOptions(options).build())) {
            pool.map(x -> x * x, IntStream.range(0, 10_000).boxed().toList(), 1);
            pool.apply(() -> null);
        }
    }

    private void creation(Context ctx, String name, List<String> options, String python) {
        double[] ms = new double[CREATION_SAMPLES];
        for (int i = 0; i < CREATION_SAMPLES; i++) {
            long t0 = System.nanoTime();
            Pool pool = ctx.pool(PoolOptions.builder().processes(2).jvmOptions(options).build());
            pool.apply(() -> null);
            ms[i] = (System.nanoTime() - t0) / 1e6;
            pool.close();
        }
        Arrays.sort(ms);
        row(name, "median", fmt(ms[ms.length / 2]) + " ms", python, "min " + fmt(ms[0]) + " ms");
    }

    /**
     * Serial in this JVM vs {@code Pool(2)} vs two threads of this JVM (the JDK baseline: what two
     * CPUs give on this machine right now, whatever else runs on it), in alternating rounds.
     */
    private void cpuScaling(Context ctx) throws Exception {
        long n = calibrate();
        List<Long> work = java.util.Collections.nCopies(CPU_TASKS, n);
        double[] serial = new double[CPU_ROUNDS];
        double[] parallel = new double[CPU_ROUNDS];
        double[] threads = new double[CPU_ROUNDS];
        java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
        try (Pool pool = ctx.pool(2)) {
            pool.map(PoolBenchmark::cpuTask, work, 1); // workers up and compiled
            for (int r = 0; r < CPU_ROUNDS; r++) {
                long t0 = System.nanoTime();
                for (long w : work) {
                    cpuTask(w);
                }
                serial[r] = (System.nanoTime() - t0) / 1e9;
                t0 = System.nanoTime();
                pool.map(PoolBenchmark::cpuTask, work, 1);
                parallel[r] = (System.nanoTime() - t0) / 1e9;
                t0 = System.nanoTime();
                List<java.util.concurrent.Future<Long>> fs = new ArrayList<>();
                for (long w : work) {
                    fs.add(two.submit(() -> cpuTask(w)));
                }
                for (java.util.concurrent.Future<Long> f : fs) {
                    f.get();
                }
                threads[r] = (System.nanoTime() - t0) / 1e9;
            }
        } finally {
            two.shutdown();
        }
        Arrays.sort(serial);
        Arrays.sort(parallel);
        Arrays.sort(threads);
        double s = serial[CPU_ROUNDS / 2];
        double p = parallel[CPU_ROUNDS / 2];
        double t = threads[CPU_ROUNDS / 2];
        row(CPU_TASKS + " CPU-bound tasks (~100 ms each): serial vs Pool(2).map(chunksize 1)", "speedup",
                fmt(s / p) + "x (" + fmt(s) + " s / " + fmt(p) + " s)", "1.77x", "target >= 1.9x");
        row("  baseline: same tasks on 2 threads of this JVM (what 2 CPUs give right now)", "speedup",
                fmt(s / t) + "x (" + fmt(t) + " s)", "", "pool / threads = " + fmt(t / p));
    }

    /** @return the iterations that make {@link #cpuTask(long)} take about 100 ms here */
    private static long calibrate() {
        long n = 1_000_000;
        for (int i = 0; i < 5; i++) {
            cpuTask(n);
        }
        while (true) {
            long t0 = System.nanoTime();
            cpuTask(n);
            long took = System.nanoTime() - t0;
            if (took > 20_000_000) {
                return (long) (n * (100_000_000.0 / took));
            }
            n *= 4;
        }
    }

    /** A strictly sequential xorshift chain: no vectorization, no shortcut. */
    static long cpuTask(long n) {
        long x = 88172645463325252L;
        for (long i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
        }
        return x;
    }

    // ------------------------------------------------------------------ output

    private interface Measure {
        double get() throws Exception;
    }

    private static double median(int runs, Measure m) throws Exception {
        double[] v = new double[runs];
        for (int i = 0; i < runs; i++) {
            v[i] = m.get();
        }
        Arrays.sort(v);
        return v[runs / 2];
    }

    private static double rate(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return TASKS / ((System.nanoTime() - t0) / 1e9);
    }

    private void row(String... cells) {
        rows.add(cells);
    }

    private void print(String transport) {
        System.out.println();
        System.out.println("Pool benchmark, transport " + transport + ", " + CPUS
                + " CPUs, Java " + Runtime.version());
        System.out.println();
        System.out.println("| workload | metric | Multiproc | Python 3.11 (fork) | vs Python / target |");
        System.out.println("|---|---|---|---|---|");
        for (String[] r : rows) {
            System.out.println("| " + String.join(" | ", r) + " |");
        }
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.2f", v);
    }

    private static String fmtRate(double v) {
        return String.format(Locale.ROOT, "%,.0f tasks/s", v).replace(',', ' ');
    }

    private static String ratio(double v) {
        return String.format(Locale.ROOT, "%.2fx", v);
    }
}
