package dev.multiproc.benchmarks.process;

import dev.multiproc.Connection;
import dev.multiproc.Context;
import dev.multiproc.IpcProcess;
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
 * and a {@code main} that sends the same byte. Variants of the child's JVM options, set through
 * {@code -Dmultiproc.jvmOptions}: lean flags, a dynamic AppCDS archive, and a JDK 25 AOT cache
 * (JEP 483/514) trained by one child run.
 *
 * <p>Run: {@code flock /tmp/bench.lock java <opens> -cp <benchmarks class path>
 * dev.multiproc.benchmarks.process.ProcessStartBenchmark [samples]}. Prints a Markdown table.
 */
public final class ProcessStartBenchmark {
    private static final int WARMUP = 3;
    private static final Duration CHILD_DEADLINE = Duration.ofSeconds(30);

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
        Path aot = work.resolve("child.aot");
        Path jsa = work.resolve("child.jsa");
        String lean = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1";
        String cds = "-XX:+AutoCreateSharedArchive -XX:SharedArchiveFile=" + jsa;
        String aotCache = "-XX:AOTCache=" + aot;
        List<Case> cases = List.of(
                new Case(Kind.RAW, ""),
                new Case(Kind.READY, ""),
                new Case(Kind.READY_PIPE, ""),
                new Case(Kind.JOIN, ""),
                new Case(Kind.READY, lean),
                new Case(Kind.READY, cds),
                new Case(Kind.RAW, aotCache),
                new Case(Kind.READY, aotCache),
                new Case(Kind.JOIN, aotCache),
                new Case(Kind.READY, lean + " " + aotCache));
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
             Context ctx = Multiproc.context("pipe")) {
            server.bind(UnixDomainSocketAddress.of(socket));
            server.configureBlocking(false);
            // Archives first: dynamic AppCDS is written at the exit of the first run with
            // AutoCreateSharedArchive; the JDK 25 AOT cache (JEP 514 one-step training) at the
            // exit of the training child.
            sample(ctx, server, new Case(Kind.READY, cds));
            sample(ctx, server, new Case(Kind.READY, "-XX:AOTCacheOutput=" + aot));
            // Rounds of one sample per case, so that the noise of a shared 2-CPU machine (and
            // this JVM's own warm-up) spreads over all cases alike.
            double[][] ms = new double[cases.size()][samples];
            for (int round = -WARMUP; round < samples; round++) {
                for (int c = 0; c < cases.size(); c++) {
                    double t = sample(ctx, server, cases.get(c));
                    if (round >= 0) {
                        ms[c][round] = t;
                    }
                }
            }
            for (int c = 0; c < cases.size(); c++) {
                record(cases.get(c).kind().title, cases.get(c).options(), ms[c]);
            }
        } finally {
            contexts.values().forEach(Context::close);
        }
        System.out.println();
        System.out.println("Child JVM start on " + Runtime.getRuntime().availableProcessors() + " CPUs, "
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
        JOIN("IpcProcess: start(); join() of a no-op target");

        final String title;

        Kind(String title) {
            this.title = title;
        }
    }

    private record Case(Kind kind, String options) {
    }

    /** Contexts by the child JVM options they give (settings are read once per context). */
    private final java.util.Map<String, Context> contexts = new java.util.HashMap<>();

    private Context contextWith(String options) {
        return contexts.computeIfAbsent(options, o -> Multiproc.context(dev.multiproc.ContextOptions.builder()
                .transport("pipe").setting(dev.multiproc.spi.ContextSettings.JVM_OPTIONS, o).build()));
    }

    /** @return milliseconds of one sample of the case */
    private double sample(Context ctx, ServerSocketChannel server, Case c) throws Exception {
        return switch (c.kind()) {
            case RAW -> sampleRaw(server, c.options());
            case READY -> sampleReady(ctx, server, c.options());
            case READY_PIPE -> sampleReadyPipe(ctx, c.options());
            case JOIN -> sampleJoin(ctx, c.options());
        };
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

    private double sampleReady(Context main, ServerSocketChannel server, String options) throws Exception {
        Context ctx = contextWith(options);
        String path = socket.toString();
        IpcProcess p = ctx.process(() -> ReadyProbe.signal(path));
        long t0 = System.nanoTime();
        p.start();
        awaitByte(server);
        long t1 = System.nanoTime();
        join(p);
        return (t1 - t0) / 1e6;
    }

    private double sampleReadyPipe(Context main, String options) throws Exception {
        Context ctx = contextWith(options);
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

    private double sampleJoin(Context main, String options) throws Exception {
        Context ctx = contextWith(options);
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
