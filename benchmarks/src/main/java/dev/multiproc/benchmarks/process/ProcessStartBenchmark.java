package dev.multiproc.benchmarks.process;

import dev.multiproc.Context;
import dev.multiproc.IpcProcess;
import dev.multiproc.Multiproc;
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
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
             Context ctx = Multiproc.context("pipe")) {
            server.bind(UnixDomainSocketAddress.of(socket));
            server.configureBlocking(false);
            measureRaw(server, "");
            measureReady(ctx, server, "");
            measureJoin(ctx, "");
            measureReady(ctx, server, lean);
            // Dynamic AppCDS: the first run with AutoCreateSharedArchive writes the archive at exit.
            String cds = "-XX:+AutoCreateSharedArchive -XX:SharedArchiveFile=" + jsa;
            train(ctx, server, cds);
            measureReady(ctx, server, cds);
            // JDK 25 AOT cache (JEP 514 one-step training): the training child writes it at exit.
            train(ctx, server, "-XX:AOTCacheOutput=" + aot);
            measureRaw(server, "-XX:AOTCache=" + aot);
            measureReady(ctx, server, "-XX:AOTCache=" + aot);
            measureJoin(ctx, "-XX:AOTCache=" + aot);
            measureReady(ctx, server, lean + " -XX:AOTCache=" + aot);
        } finally {
            System.clearProperty(LaunchSpec.JVM_OPTIONS_PROPERTY);
        }
        System.out.println();
        System.out.println("Child JVM start on " + Runtime.getRuntime().availableProcessors() + " CPUs, "
                + samples + " samples after " + WARMUP + " warm-up starts (java " + Runtime.version() + ")");
        System.out.println();
        System.out.println("| case | child JVM options | median ms | p99 ms | min ms |");
        System.out.println("|---|---|---:|---:|---:|");
        rows.forEach(System.out::println);
    }

    private void measureRaw(ServerSocketChannel server, String options) throws Exception {
        System.clearProperty(LaunchSpec.JVM_OPTIONS_PROPERTY);
        List<String> command = new ArrayList<>(LaunchSpec.inherited()
                .withJvmOptions(options.isEmpty() ? List.of() : List.of(options.split(" ")))
                .command(ReadyProbe.class.getName()));
        command.add(socket.toString());
        double[] ms = new double[samples];
        for (int i = -WARMUP; i < samples; i++) {
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
            if (i >= 0) {
                ms[i] = (t1 - t0) / 1e6;
            }
        }
        record("raw ProcessBuilder: start until first message (baseline)", options, ms);
    }

    private void measureReady(Context ctx, ServerSocketChannel server, String options) throws Exception {
        System.setProperty(LaunchSpec.JVM_OPTIONS_PROPERTY, options);
        String path = socket.toString();
        double[] ms = new double[samples];
        for (int i = -WARMUP; i < samples; i++) {
            IpcProcess p = ctx.process(() -> ReadyProbe.signal(path));
            long t0 = System.nanoTime();
            p.start();
            awaitByte(server);
            long t1 = System.nanoTime();
            join(p);
            if (i >= 0) {
                ms[i] = (t1 - t0) / 1e6;
            }
        }
        record("IpcProcess: start() until first message", options, ms);
    }

    private void measureJoin(Context ctx, String options) throws Exception {
        System.setProperty(LaunchSpec.JVM_OPTIONS_PROPERTY, options);
        double[] ms = new double[samples];
        for (int i = -WARMUP; i < samples; i++) {
            IpcProcess p = ctx.process(() -> { });
            long t0 = System.nanoTime();
            p.start();
            join(p);
            long t1 = System.nanoTime();
            if (i >= 0) {
                ms[i] = (t1 - t0) / 1e6;
            }
        }
        record("IpcProcess: start(); join() of a no-op target", options, ms);
    }

    private void train(Context ctx, ServerSocketChannel server, String options) throws Exception {
        System.setProperty(LaunchSpec.JVM_OPTIONS_PROPERTY, options);
        String path = socket.toString();
        IpcProcess p = ctx.process(() -> ReadyProbe.signal(path)).start();
        awaitByte(server);
        join(p);
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
