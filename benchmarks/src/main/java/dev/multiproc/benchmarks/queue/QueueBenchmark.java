package dev.multiproc.benchmarks.queue;

import dev.multiproc.Connection;
import dev.multiproc.Context;
import dev.multiproc.IpcProcess;
import dev.multiproc.IpcQueue;
import dev.multiproc.JoinableQueue;
import dev.multiproc.Multiproc;
import dev.multiproc.Pipe;
import dev.multiproc.benchmarks.Placement;
import dev.multiproc.spi.ContextSettings;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Queue throughput and round trip across processes, on the transport {@code -Dbench.transport}
 * names ({@code pipe} by default, or {@code shm}), with baselines measured in the same run:
 * Python's {@code multiprocessing.Queue} with 1 and 2 producer and consumer processes
 * ({@code benchmarks/python/queue_throughput.py}, run each round when {@code -Dbench.python}
 * names an interpreter), and a raw JDK blocking {@link SocketChannel} ping-pong over a
 * Unix-domain socket between the same two JVMs (and the transport's {@link Pipe}, when it has
 * one). Workloads mirror Python's {@code mp_bench.py} (queue.throughput, queue.rtt): small
 * {@link Integer} items, one JVM per side.
 *
 * <p>Run (after {@code mvn -pl benchmarks -am package -DskipTests}) with
 * {@code flock /tmp/bench.lock benchmarks/run.sh queue.QueueBenchmark [items] [rounds] [rttSamples] [only]}.
 * Prints a Markdown table. Round trips are measured per CPU placement ({@link Placement};
 * {@code -Dbench.placement=split,same,free}, default split and same), alternating the queue with
 * its baselines over the rounds.
 */
public final class QueueBenchmark {
    private static final Duration LIMIT = Duration.ofMinutes(5);
    /** Counted before any pinning narrows what the JVM sees. */
    private static final int CPUS = Runtime.getRuntime().availableProcessors();
    private static final String PIPE_RTT = "Baseline: Pipe send/recv ping-pong (parent <-> child)";
    private static final String QUEUE_RTT = "Queue: put/take ping-pong over two queues (parent <-> child)";
    private final int items;
    private final int rounds;
    private final int rttSamples;
    private final String only;
    private final List<String> rows = new ArrayList<>();
    private final String transport = System.getProperty("bench.transport", "pipe");
    private final String python = System.getProperty("bench.python", "none");

    private QueueBenchmark(int items, int rounds, int rttSamples, String only) {
        this.items = items;
        this.rounds = rounds;
        this.rttSamples = rttSamples;
        this.only = only;
    }

    /**
     * @param args [items per round, default 1,000,000] [measured rounds, default 5] [RTT samples, default 20,000]
     *             [only "throughput", "wide" (2 -> 2 alone), "rtt" or "queue-rtt" (the queue round trip alone, for profiling)]
     * @throws Exception if a run fails
     */
    public static void main(String[] args) throws Exception {
        int items = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int samples = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
        new QueueBenchmark(items, rounds, samples, args.length > 3 ? args[3] : "all").run();
    }

    private void run() throws Exception {
        try (Context ctx = Multiproc.context(transport)) {
            if (only.equals("all") || only.equals("throughput")) {
                throughputOwnerToChild(ctx);
                throughputChildToChild(ctx, 1);
                throughputChildToChild(ctx, 2);
                joinableThroughput(ctx);
            }
            if (only.equals("wide")) {
                throughputChildToChild(ctx, 2);
            }
            if (!only.equals("throughput") && !only.equals("wide")) {
                roundTrips(ctx);
            }
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "Queue benchmark, %s transport: %,d Integer items per round, %d rounds (+1 warm-up), %,d RTT samples, %d CPUs%n%n",
                transport, items, rounds, rttSamples, CPUS);
        System.out.println("| scenario | metric | value |");
        System.out.println("|---|---|---:|");
        rows.forEach(System.out::println);
    }

    private static <E> IpcQueue<E> queue(Context ctx) {
        return ctx.queue();
    }

    private static <E> JoinableQueue<E> joinableQueue(Context ctx) {
        return ctx.joinableQueue();
    }

    private void row(String scenario, String metric, String value) {
        rows.add("| " + scenario + " | " + metric + " | " + value + " |");
        System.err.println(scenario + " / " + metric + ": " + value);
    }

    private void throughput(String scenario, double[] perSecond) {
        Arrays.sort(perSecond);
        row(scenario, "throughput, median [min - max]", String.format(Locale.ROOT, "%,.0f items/s [%,.0f - %,.0f]",
                perSecond[perSecond.length / 2], perSecond[0], perSecond[perSecond.length - 1]));
    }

    private static void awaitExit(IpcProcess p) throws InterruptedException {
        if (!p.join(LIMIT)) {
            p.kill();
            throw new IllegalStateException(p.name() + " did not finish within " + LIMIT);
        }
        if (p.exitCode().orElse(-1) != 0) {
            throw new IllegalStateException(p.name() + " failed with exit code " + p.exitCode() + ": " + p.failure());
        }
    }

    /** Producer: this process (which hosts the broker); consumer: a child. */
    private void throughputOwnerToChild(Context ctx) throws Exception {
        IpcQueue<Integer> q = queue(ctx);
        IpcQueue<Long> done = queue(ctx);
        int n = items;
        int total = rounds + 1;
        IpcProcess consumer = summingConsumer(ctx, q, done, n, total);
        double[] rates = new double[rounds];
        for (int r = 0; r < total; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                q.put(i);
            }
            long sum = done.take();
            long t1 = System.nanoTime();
            check(sum, n);
            if (r > 0) {
                rates[r - 1] = n * 1e9 / (t1 - t0);
            }
        }
        awaitExit(consumer);
        throughput("Queue: producer = owner process -> consumer child (2 JVMs)", rates);
    }

    /** A child that takes {@code n} items per round, for {@code total} rounds, and puts each round's sum on {@code done}. */
    private static IpcProcess summingConsumer(Context ctx, IpcQueue<Integer> q, IpcQueue<Long> done, int n, int total) {
        return ctx.process("consumer", () -> {
            for (int r = 0; r < total; r++) {
                long sum = 0;
                for (int i = 0; i < n; i++) {
                    sum += q.take();
                }
                done.put(sum);
            }
        }).start();
    }

    /**
     * Python's setup: {@code width} producer children -> {@code width} consumer children (the
     * queue's owner, and on {@code pipe} its broker, in this process), from the start gate until
     * every consumer has summed its share. Python's figure, when asked for, is taken each round.
     */
    private void throughputChildToChild(Context ctx, int width) throws Exception {
        IpcQueue<Integer> q = queue(ctx);
        IpcQueue<Integer> produced = queue(ctx);
        IpcQueue<Long> done = queue(ctx);
        List<IpcQueue<Integer>> gates = new ArrayList<>(); // one per child: nobody starts a round twice
        int n = items;
        int total = rounds + 1;
        List<IpcProcess> children = new ArrayList<>();
        for (int p = 0; p < width; p++) {
            int from = (int) ((long) n * p / width);
            int to = (int) ((long) n * (p + 1) / width);
            IpcQueue<Integer> gate = queue(ctx);
            gates.add(gate);
            children.add(ctx.process("producer-" + p, () -> {
                for (int r = 0; r < total; r++) {
                    gate.take();
                    for (int i = from; i < to; i++) {
                        q.put(i);
                    }
                    produced.put(r);
                }
            }).start());
        }
        for (int c = 0; c < width; c++) {
            // each consumer sums until an end marker, which the parent puts once every producer is done
            IpcQueue<Integer> gate = queue(ctx);
            gates.add(gate);
            children.add(ctx.process("consumer-" + c, () -> {
                for (int r = 0; r < total; r++) {
                    gate.take();
                    long sum = 0;
                    for (int item = q.take(); item >= 0; item = q.take()) {
                        sum += item;
                    }
                    done.put(sum);
                }
            }).start());
        }
        double[] rates = new double[rounds];
        double[] theirs = new double[rounds];
        for (int r = 0; r < total; r++) {
            long t0 = System.nanoTime();
            for (IpcQueue<Integer> gate : gates) {
                gate.put(r);
            }
            for (int p = 0; p < width; p++) {
                produced.take();
            }
            for (int c = 0; c < width; c++) {
                q.put(-1);
            }
            long sum = 0;
            for (int c = 0; c < width; c++) {
                sum += done.take();
            }
            long t1 = System.nanoTime();
            check(sum, n);
            if (r > 0) {
                rates[r - 1] = n * 1e9 / (t1 - t0);
                theirs[r - 1] = python.equals("none") ? Double.NaN : runPython(width);
            }
        }
        for (IpcProcess p : children) {
            awaitExit(p);
        }
        String shape = width + " producer child" + (width > 1 ? "ren" : "") + " -> " + width + " consumer child"
                + (width > 1 ? "ren" : "") + " (" + (2 * width + 1) + " JVMs)";
        throughput("Queue: " + shape, rates);
        if (!python.equals("none")) {
            throughput("Python " + python + " multiprocessing.Queue (fork): " + shape.replace("JVMs", "processes"), theirs);
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                ratio[r] = rates[r] / theirs[r];
            }
            Arrays.sort(ratio);
            row("Queue: " + shape, "ours / Python's, round by round: median [min - max]", String.format(Locale.ROOT,
                    "%.1fx [%.1fx - %.1fx]", ratio[rounds / 2], ratio[0], ratio[rounds - 1]));
        }
    }

    private double runPython(int width) throws Exception {
        Path script = Path.of(System.getProperty("bench.root", "."), "benchmarks", "python", "queue_throughput.py");
        Process p = new ProcessBuilder(python, script.toString(), Integer.toString(items), Integer.toString(width),
                Integer.toString(width)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        if (p.waitFor() != 0) {
            throw new IllegalStateException(python + " " + script + " failed: " + out);
        }
        return Double.parseDouble(out);
    }

    /** JoinableQueue: this process puts N and join()s; the child does take + taskDone. */
    private void joinableThroughput(Context ctx) throws Exception {
        JoinableQueue<Integer> q = joinableQueue(ctx);
        int n = items;
        int total = rounds + 1;
        IpcProcess consumer = ctx.process("consumer", () -> {
            for (int r = 0; r < total; r++) {
                for (int i = 0; i < n; i++) {
                    q.take();
                    q.taskDone();
                }
            }
        }).start();
        double[] rates = new double[rounds];
        for (int r = 0; r < total; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                q.put(i);
            }
            q.join();
            long t1 = System.nanoTime();
            if (r > 0) {
                rates[r - 1] = n * 1e9 / (t1 - t0);
            }
        }
        awaitExit(consumer);
        throughput("JoinableQueue: put N, child take+taskDone, join()", rates);
    }

    private static void check(long sum, int n) {
        long expected = (long) n * (n - 1) / 2;
        if (sum != expected) {
            throw new IllegalStateException("consumer summed " + sum + ", expected " + expected);
        }
    }

    /** One round's round-trip figures, in microseconds. */
    private record Rtt(double p50, double p99, double min) {
        static Rtt of(long[] nanos) {
            Arrays.sort(nanos);
            return new Rtt(nanos[nanos.length / 2] / 1e3, nanos[(int) (nanos.length * 0.99)] / 1e3, nanos[0] / 1e3);
        }
    }

    /** A round-trip measurement against a child pinned for a placement. */
    private interface RttMeasurement {
        long[] run(Context ctx, String placement) throws Exception;
    }

    /**
     * Round trips per CPU placement (see {@link Placement}): the queue, the transport's Pipe and a
     * raw socket, in alternating order over the rounds, so that each is compared with baselines
     * taken under the same conditions. Each figure is the median over the rounds.
     */
    private void roundTrips(Context ctx) throws Exception {
        Map<String, RttMeasurement> all = new LinkedHashMap<>();
        all.put(PIPE_RTT, this::pipeRtt);
        all.put(QUEUE_RTT, this::queueRtt);
        all.put("Baseline: raw JDK SocketChannel UDS ping-pong, 4 bytes (same JVMs' setup)", this::udsRtt);
        if (only.equals("queue-rtt")) {
            all.keySet().retainAll(List.of(QUEUE_RTT));
        }
        for (String placement : Placement.chosen("split,same")) {
            Placement.pinSelf(placement);
            Map<String, List<Rtt>> results = new LinkedHashMap<>();
            for (int round = 0; round < rounds; round++) {
                List<Map.Entry<String, RttMeasurement>> order = new ArrayList<>(all.entrySet());
                if (round % 2 == 1) {
                    Collections.reverse(order);
                }
                for (Map.Entry<String, RttMeasurement> e : order) {
                    long[] nanos = e.getValue().run(ctx, placement);
                    if (nanos != null) {
                        results.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(Rtt.of(nanos));
                    }
                }
            }
            String cpus = "CPUs " + placement;
            results.forEach((scenario, rtts) -> row(scenario + ", " + cpus, "RTT median / p99 / min",
                    String.format(Locale.ROOT, "%.1f / %.1f / %.1f us", median(rtts, Rtt::p50), median(rtts, Rtt::p99),
                            rtts.stream().mapToDouble(Rtt::min).min().orElseThrow())));
            if (results.containsKey(PIPE_RTT) && results.containsKey(QUEUE_RTT)) {
                row("Queue RTT / Pipe RTT, " + cpus, "ratio of medians (per round)", String.format(Locale.ROOT, "%.2f x (%s)",
                        median(results.get(QUEUE_RTT), Rtt::p50) / median(results.get(PIPE_RTT), Rtt::p50),
                        perRoundRatios(results.get(QUEUE_RTT), results.get(PIPE_RTT))));
            }
        }
    }

    private static double median(List<Rtt> rtts, ToDoubleFunction<Rtt> figure) {
        double[] v = rtts.stream().mapToDouble(figure).sorted().toArray();
        return v[v.length / 2];
    }

    private static String perRoundRatios(List<Rtt> queue, List<Rtt> pipe) {
        List<String> ratios = new ArrayList<>();
        for (int i = 0; i < Math.min(queue.size(), pipe.size()); i++) {
            ratios.add(String.format(Locale.ROOT, "%.2f", queue.get(i).p50() / pipe.get(i).p50()));
        }
        return String.join(", ", ratios);
    }

    /** put on one queue, the child echoes onto another, take. */
    private long[] queueRtt(Context ctx, String placement) throws Exception {
        IpcQueue<Integer> in = queue(ctx);
        IpcQueue<Integer> out = queue(ctx);
        IpcProcess echo = ctx.process("echo", () -> {
            for (int v = in.take(); v >= 0; v = in.take()) {
                out.put(v);
            }
        }).start();
        Placement.pinChild(placement, echo.pid());
        int warmup = Math.max(2_000, rttSamples / 4);
        long[] nanos = new long[rttSamples];
        for (int i = 0; i < warmup + rttSamples; i++) {
            long t0 = System.nanoTime();
            in.put(i);
            int v = out.take();
            long t1 = System.nanoTime();
            if (v != i) {
                throw new IllegalStateException("echo returned " + v + " for " + i);
            }
            if (i >= warmup) {
                nanos[i - warmup] = t1 - t0;
            }
        }
        in.put(-1);
        awaitExit(echo);
        return nanos;
    }

    /** The baseline: a raw JDK blocking SocketChannel ping-pong over UDS, 4-byte messages. */
    private long[] udsRtt(Context ctx, String placement) throws Exception {
        Path path = ContextSettings.process().socketDirectory()
                .resolve(ContextSettings.FILE_PREFIX + "bench-" + ProcessHandle.current().pid() + ".sock");
        Files.deleteIfExists(path);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path));
            String address = path.toString();
            int total = Math.max(2_000, rttSamples / 4) + rttSamples;
            IpcProcess echo = ctx.process("uds-echo", () -> {
                try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(Path.of(address)))) {
                    ByteBuffer b = ByteBuffer.allocateDirect(4);
                    for (int i = 0; i < total; i++) {
                        b.clear();
                        readFully(ch, b);
                        b.flip();
                        ch.write(b);
                    }
                }
            }).start();
            Placement.pinChild(placement, echo.pid());
            long[] nanos = new long[rttSamples];
            try (SocketChannel ch = server.accept()) {
                int warmup = total - rttSamples;
                ByteBuffer b = ByteBuffer.allocateDirect(4);
                for (int i = 0; i < total; i++) {
                    long t0 = System.nanoTime();
                    b.clear();
                    b.putInt(0, i);
                    ch.write(b);
                    b.clear();
                    readFully(ch, b);
                    long t1 = System.nanoTime();
                    if (i >= warmup) {
                        nanos[i - warmup] = t1 - t0;
                    }
                }
            }
            awaitExit(echo);
            return nanos;
        } finally {
            Files.deleteIfExists(path);
        }
    }

    private static void readFully(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new IOException("peer closed");
            }
        }
    }

    /** The transport's Pipe, when it has one: send/recv ping-pong of Integers. */
    private long[] pipeRtt(Context ctx, String placement) throws Exception {
        Pipe pipe;
        try {
            pipe = ctx.pipe();
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            row(PIPE_RTT, "RTT", "n/a (no pipe transport in this build: " + e.getClass().getSimpleName() + ")");
            return null;
        }
        Connection child = pipe.right();
        int total = Math.max(2_000, rttSamples / 4) + rttSamples;
        IpcProcess echo = ctx.process("pipe-echo", () -> {
            for (int i = 0; i < total; i++) {
                child.send(child.<Integer>recv());
            }
        }).start();
        Placement.pinChild(placement, echo.pid());
        Connection parent = pipe.left();
        int warmup = total - rttSamples;
        long[] nanos = new long[rttSamples];
        for (int i = 0; i < total; i++) {
            long t0 = System.nanoTime();
            parent.send(i);
            int v = parent.recv();
            long t1 = System.nanoTime();
            if (v != i) {
                throw new IllegalStateException("pipe echo returned " + v + " for " + i);
            }
            if (i >= warmup) {
                nanos[i - warmup] = t1 - t0;
            }
        }
        awaitExit(echo);
        return nanos;
    }
}
