package dev.multiproc.benchmarks.process;

import dev.multiproc.Connection;
import dev.multiproc.Context;
import dev.multiproc.IpcProcess;
import dev.multiproc.IpcQueue;
import dev.multiproc.Multiproc;
import dev.multiproc.Pipe;
import dev.multiproc.launcher.internal.LaunchSpec;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * How long a child JVM takes to start: {@code start()} until the child's first message arrives
 * (the target connects to a Unix-domain socket of the parent and sends one byte), and
 * {@code start(); join()} of a no-op target. Baseline in the same run: a raw JDK
 * {@link ProcessBuilder} starting the same {@code java} with the same options and class path
 * and a {@code main} that sends the same byte. Children with and without the launcher's automatic
 * JDK 25 AOT cache (trained first, into a directory of this run's own), and with lean JVM flags.
 *
 * <p>Run: {@code flock /tmp/bench.lock java <opens> -cp <benchmarks class path>
 * dev.multiproc.benchmarks.process.ProcessStartBenchmark [samples]}; {@code -Dbench.transport=shm} for
 * contexts of another transport than {@code pipe}. Prints a Markdown table.
 */
public final class ProcessStartBenchmark {
    private static final int WARMUP = 3;
    private static final Duration CHILD_DEADLINE = Duration.ofSeconds(30);
    /** The transport of the contexts: {@code -Dbench.transport}, {@code pipe} unless set. */
    private static final String TRANSPORT = System.getProperty("bench.transport", "pipe");

    private final int samples;
    private final Path work;
    private final Path socket;
    private final List<String> rows = new ArrayList<>();

    private ProcessStartBenchmark(int samples, Path work) {
        this.samples = samples;
        this.work = work;
        this.socket = work.resolve("ready.sock");
    }

    /**
     * @param args optional number of samples per case (default 20)
     * @throws Exception if a child fails
     */
    public static void main(String[] args) throws Exception {
        int samples = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        Path work = Files.createTempDirectory("process-start-bench");
        try {
            new ProcessStartBenchmark(samples, work).run();
        } finally {
            try (Stream<Path> files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private void run() throws Exception {
        String lean = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1";
        List<Case> cases = List.of(
                new Case(Kind.RAW, "", 0, false),
                new Case(Kind.READY, "", 0, true),
                new Case(Kind.READY, "", 0, false),
                new Case(Kind.READY, "", 1, true),
                new Case(Kind.READY, "", 1, false),
                new Case(Kind.READY_PIPE, "", 0, true),
                new Case(Kind.READY_PIPE, "", 1, true),
                new Case(Kind.READY_QUEUE, "", 1, true),
                new Case(Kind.JOIN, "", 0, true),
                new Case(Kind.JOIN, "", 0, false),
                new Case(Kind.JOIN, "", 1, true),
                new Case(Kind.READY, lean, 0, true));
        Path aotDirectory = work.resolve("aot");
        System.setProperty(AOT_DIRECTORY, aotDirectory.toString()); // a cache of this run's own
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            server.configureBlocking(false);
            // The automatic AOT cache first: the first child starts its training in the background.
            sample(server, new Case(Kind.READY, "", 0, true));
            awaitAotCache(aotDirectory);
            // Rounds of one sample per case, so that the noise of a shared 2-CPU machine (and
            // this JVM's own warm-up) spreads over all cases alike.
            double[][] ms = new double[cases.size()][samples];
            for (int round = -WARMUP; round < samples; round++) {
                for (int c = 0; c < cases.size(); c++) {
                    double t = sample(server, cases.get(c));
                    if (round >= 0) {
                        ms[c][round] = t;
                    }
                }
            }
            for (int c = 0; c < cases.size(); c++) {
                Case k = cases.get(c);
                record(k.kind().title + (k.kind() == Kind.RAW ? ""
                                : (k.spares() > 0 ? ", from a warm spare" : ", cold (no spare)")
                                + (k.aot() ? ", AOT cache" : ", no AOT cache")), k.options(), ms[c]);
            }
        } finally {
            contexts.values().forEach(Context::close);
        }
        System.out.println();
        System.out.println("Child JVM start on " + Runtime.getRuntime().availableProcessors() + " CPUs, transport "
                + TRANSPORT + ", "
                + samples + " samples after " + WARMUP + " warm-up rounds (java " + Runtime.version() + ")");
        System.out.println();
        System.out.println("| case | child JVM options | median ms | p99 ms | min ms |");
        System.out.println("|---|---|---:|---:|---:|");
        rows.forEach(System.out::println);
    }

    private enum Kind {
        RAW("raw ProcessBuilder: start until first message (baseline)"),
        READY("IpcProcess: start() until first message"),
        READY_PIPE("IpcProcess: start() until first message on a Pipe(false)"),
        READY_QUEUE("IpcProcess: start() until the first item it puts on an IpcQueue"),
        JOIN("IpcProcess: start(); join() of a no-op target");

        final String title;

        Kind(String title) {
            this.title = title;
        }
    }

    /**
     * @param spares the context's spares: 1 measures the hand-over to a warm spare (started behind the previous sample)
     * @param aot    whether children get the library's automatic AOT cache ({@code multiproc.aot})
     */
    private record Case(Kind kind, String options, int spares, boolean aot) {
    }

    private static final String AOT_SETTING = "multiproc.aot";
    private static final String AOT_DIRECTORY = "multiproc.aotDirectory";
    private static final Duration AOT_TRAINING_WAIT = Duration.ofSeconds(120);

    /** Waits until the library's background training has written a cache into the directory. */
    private static void awaitAotCache(Path directory) throws Exception {
        long deadline = System.nanoTime() + AOT_TRAINING_WAIT.toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (Files.isDirectory(directory)) {
                try (Stream<Path> files = Files.list(directory)) {
                    if (files.anyMatch(f -> f.getFileName().toString().endsWith(".aot"))) {
                        return;
                    }
                }
            }
            Thread.sleep(100); // a benchmark's bounded poll of a background process's output
        }
        throw new IllegalStateException("no AOT cache in " + directory + " after " + AOT_TRAINING_WAIT);
    }

    /** Contexts by the child JVM options they give (settings are read once per context). */
    private final java.util.Map<String, Context> contexts = new java.util.HashMap<>();

    private Context contextWith(String options, int spares, boolean aot) {
        return contexts.computeIfAbsent(options + "|" + spares + "|" + aot, k -> Multiproc.context(dev.multiproc.ContextOptions.builder()
                .transport(TRANSPORT).spares(spares).setting(dev.multiproc.spi.ContextSettings.JVM_OPTIONS, options).build()));
    }

    /** @return milliseconds of one sample of the case */
    private double sample(ServerSocketChannel server, Case c) throws Exception {
        System.setProperty(AOT_SETTING, Boolean.toString(c.aot())); // read by the launcher at each start()
        Context ctx = contextWith(c.options(), c.spares(), c.aot());
        if (c.spares() > 0 && !dev.multiproc.launcher.WarmSpares.awaitWarm(ctx, Duration.ofSeconds(30))) {
            throw new IllegalStateException("no warm spare for " + c);
        }
        double ms = switch (c.kind()) {
            case RAW -> sampleRaw(server, c.options());
            case READY -> sampleReady(server, ctx);
            case READY_PIPE -> sampleReadyPipe(ctx);
            case READY_QUEUE -> sampleReadyQueue(ctx);
            case JOIN -> sampleJoin(ctx);
        };
        if (c.spares() > 0) {
            // the spare started behind this one warms up now, not during the next case's sample
            dev.multiproc.launcher.WarmSpares.awaitWarm(ctx, Duration.ofSeconds(30));
        }
        return ms;
    }

    private double sampleRaw(ServerSocketChannel server, String options) throws Exception {
        List<String> command = new ArrayList<>(LaunchSpec.inherited()
                .withJvmOptions(options.isEmpty() ? List.of() : List.of(options.split(" ")))
                .command(ReadyProbe.class, List.of()));
        command.add(socket.toString());
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(command).inheritIO().start();
        try {
            awaitByte(server);
        } finally {
            if (!p.waitFor(CHILD_DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        long t1 = System.nanoTime();
        if (p.exitValue() != 0) {
            throw new IllegalStateException("raw child exited with " + p.exitValue());
        }
        return (t1 - t0) / 1e6;
    }

    private double sampleReady(ServerSocketChannel server, Context ctx) throws Exception {
        String path = socket.toString();
        IpcProcess p = ctx.process(() -> ReadyProbe.signal(path));
        long t0 = System.nanoTime();
        p.start();
        awaitByte(server);
        long t1 = System.nanoTime();
        join(p);
        return (t1 - t0) / 1e6;
    }

    private double sampleReadyPipe(Context ctx) throws Exception {
        Pipe pipe = ctx.pipe(false);
        try (Connection in = pipe.left(); Connection out = pipe.right()) {
            IpcProcess p = ctx.process(() -> out.send(1));
            long t0 = System.nanoTime();
            p.start();
            if (!in.poll(CHILD_DEADLINE)) {
                throw new IllegalStateException(p + " sent nothing within " + CHILD_DEADLINE);
            }
            in.recv();
            long t1 = System.nanoTime();
            join(p);
            return (t1 - t0) / 1e6;
        }
    }

    private double sampleReadyQueue(Context ctx) throws Exception {
        try (IpcQueue<Integer> queue = ctx.queue()) {
            IpcProcess p = ctx.process(() -> queue.put(1));
            long t0 = System.nanoTime();
            p.start();
            if (queue.poll(CHILD_DEADLINE) == null) {
                throw new IllegalStateException(p + " put nothing within " + CHILD_DEADLINE);
            }
            long t1 = System.nanoTime();
            join(p);
            return (t1 - t0) / 1e6;
        }
    }

    private double sampleJoin(Context ctx) throws Exception {
        IpcProcess p = ctx.process(() -> { });
        long t0 = System.nanoTime();
        p.start();
        join(p);
        return (System.nanoTime() - t0) / 1e6;
    }

    /** Waits at most {@link #CHILD_DEADLINE} for the child's byte; the server socket is non-blocking. */
    private static void awaitByte(ServerSocketChannel server) throws IOException {
        try (Selector selector = Selector.open()) {
            server.register(selector, SelectionKey.OP_ACCEPT);
            if (selector.select(CHILD_DEADLINE.toMillis()) == 0) {
                throw new IOException("no child connected within " + CHILD_DEADLINE);
            }
        }
        try (SocketChannel c = server.accept()) {
            c.configureBlocking(true);
            if (c.read(ByteBuffer.allocate(1)) != 1) {
                throw new IOException("child closed the socket without its byte");
            }
        }
    }

    private static void join(IpcProcess p) throws InterruptedException {
        if (!p.join(CHILD_DEADLINE)) {
            p.kill();
            throw new IllegalStateException(p + " still running after " + CHILD_DEADLINE);
        }
        check(p);
    }

    private static void check(IpcProcess p) {
        if (p.exitCode().orElse(-1) != 0) {
            throw new IllegalStateException(p + " failed: " + p.failure().map(Throwable::toString).orElse("no failure reported"));
        }
    }

    private void record(String name, String options, double[] ms) {
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
        double p99 = sorted[(int) Math.ceil(0.99 * sorted.length) - 1];
        String shown = options.isEmpty() ? "(inherited only)" : "`" + options.replace(work.toString(), "$TMP") + "`";
        String row = String.format("| %s | %s | %.1f | %.1f | %.1f |", name, shown, median, p99, sorted[0]);
        rows.add(row);
        System.err.println(row);
    }
}
