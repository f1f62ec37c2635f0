package dev.multiproc.benchmarks.pipe;

import dev.multiproc.Connection;
import dev.multiproc.Context;
import dev.multiproc.Multiproc;
import dev.multiproc.Pipe;
import dev.multiproc.Serializer;
import dev.multiproc.benchmarks.Placement;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Two-process benchmark of the "pipe" transport's {@link Connection} against a raw JDK
 * {@link SocketChannel} over a Unix-domain socket, measured in the same run: 64-byte messages,
 * ping-pong round-trip time (median, p99) and one-way throughput.
 *
 * <p>This JVM is one side; it starts the other side itself with {@link ProcessBuilder} (same
 * {@code java}, class path and JVM options), so it depends on no launcher. The child end of
 * the pipe reaches the other JVM as a serialized handle on its command line, and is taken there
 * through the transport's fd sharer, exactly as an end captured by a lambda would be.
 *
 * <p>Run (under the benchmark lock, so no two benchmarks overlap):
 * <pre>
 * mvn -o -q -B -pl benchmarks -am compile dependency:build-classpath -Dmdep.outputFile=/tmp/bench.cp
 * flock /tmp/bench.lock java --enable-native-access=ALL-UNNAMED \
 *     -cp benchmarks/target/classes:$(cat /tmp/bench.cp) dev.multiproc.benchmarks.pipe.PipeBenchmark [rounds]
 * </pre>
 * Prints a Markdown table per CPU placement ({@code -Dbench.placement=split,same,free}; default
 * split and same): on a 2-vCPU VM, whether the two JVMs share a CPU decides whether a wake-up
 * costs ~5 or ~40 µs, so each table pins both sides to make the comparison with the raw socket
 * fair. For each row, the median over rounds of each figure.
 */
public final class PipeBenchmark {
    private static final int SIZE = 64;
    private static final int FRAME = 4 + SIZE;
    private static final int RTT_WARMUP = Integer.getInteger("bench.rttWarmup", 20_000);
    private static final int RTT_SAMPLES = 100_000;
    private static final int TP_WARMUP = 500_000;
    private static final int TP_MESSAGES = 3_000_000;
    private static final int RAW_BATCH = 64;

    private PipeBenchmark() {
    }

    /**
     * @param args {@code [rounds [rows]]} in the parent (rows: any of "raw", "bytes", "objects"; default all); a role and its arguments in the child
     * @throws Exception on any failure
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].startsWith("child-")) {
            child(args);
            return;
        }
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        String only = args.length > 1 ? args[1] : "";
        for (String placement : Placement.chosen("split,same")) {
            Map<String, List<double[]>> results = new LinkedHashMap<>();
            Placement.pinSelf(placement);
            childCpu = Placement.cpuOfChild(placement);
            for (int round = 0; round < rounds; round++) {
                // odd rounds run the rows in reverse, so no row always follows the same one
                List<Runnable> rows = new ArrayList<>();
                if (only.isEmpty() || only.contains("raw")) {
                    rows.add(() -> add(results, "raw JDK SocketChannel, UDS, 1 write(2) per frame",
                            measure(PipeBenchmark::rawRtt), measure(() -> rawThroughput(1))));
                    rows.add(() -> add(results, "raw JDK SocketChannel, UDS, 64 frames per write(2)", null,
                            measure(() -> rawThroughput(RAW_BATCH))));
                }
                if (only.isEmpty() || only.contains("bytes")) {
                    rows.add(() -> add(results, "Pipe sendBytes/recvBytes",
                            measure(() -> pipeRtt(false)), measure(() -> pipeThroughput(false))));
                }
                if (only.isEmpty() || only.contains("objects")) {
                    rows.add(() -> add(results, "Pipe send(byte[])/recv",
                            measure(() -> pipeRtt(true)), measure(() -> pipeThroughput(true))));
                }
                if (round % 2 == 1) {
                    java.util.Collections.reverse(rows);
                }
                rows.forEach(Runnable::run);
                System.err.printf("%s: round %d of %d done%n", placement, round + 1, rounds);
            }
            print(results, rounds, placement);
        }
    }

    /** CPU list for children ("taskset -c"), or null when not pinned. */
    private static String childCpu;

    /** A measurement that may fail. */
    private interface Measurement<T> {
        T run() throws Exception;
    }

    private static <T> T measure(Measurement<T> m) {
        try {
            return m.run();
        } catch (Exception e) {
            throw new IllegalStateException("measurement failed", e);
        }
    }

    private static void add(Map<String, List<double[]>> results, String row, double[] rtt, double throughput) {
        results.computeIfAbsent(row, r -> new ArrayList<>())
                .add(new double[]{rtt == null ? Double.NaN : rtt[0], rtt == null ? Double.NaN : rtt[1], throughput});
    }

    private static void print(Map<String, List<double[]>> results, int rounds, String placement) {
        System.out.printf("%n2 JVMs, CPUs %s, %d-byte messages, median of %d rounds (RTT: %,d round trips after %,d warm-up; "
                + "one-way: %,d messages after %,d warm-up, first send until the receiver's ack)%n%n",
                Placement.describe(placement),
                SIZE, rounds, RTT_SAMPLES, RTT_WARMUP, TP_MESSAGES, TP_WARMUP);
        System.out.println("| Channel | RTT p50 µs | RTT p99 µs | one-way msgs/s |");
        System.out.println("|---|---|---|---|");
        double[] raw = results.values().stream().findFirst().map(PipeBenchmark::medians).orElseThrow();
        for (Map.Entry<String, List<double[]>> e : results.entrySet()) {
            double[] m = medians(e.getValue());
            System.out.printf("| %s | %s | %s | %s |%n", e.getKey(), fmt(m[0]), fmt(m[1]),
                    String.format("%.2f M", m[2] / 1e6));
        }
        for (Map.Entry<String, List<double[]>> e : results.entrySet()) {
            if (e.getKey().startsWith("Pipe")) {
                double[] m = medians(e.getValue());
                System.out.printf("%n%s: RTT p50 %.2fx raw, p99 %.2fx raw", e.getKey(), m[0] / raw[0], m[1] / raw[1]);
            }
        }
        System.out.println();
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "–" : String.format("%.1f", v);
    }

    private static double[] medians(List<double[]> runs) {
        double[] out = new double[3];
        for (int i = 0; i < 3; i++) {
            int column = i;
            double[] values = runs.stream().mapToDouble(r -> r[column]).sorted().toArray();
            out[i] = values[values.length / 2];
        }
        return out;
    }

    // ---------------------------------------------------------------- raw socket baseline

    private static double[] rawRtt() throws Exception {
        Path path = socketPath();
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path));
            Process child = startChild("child-raw-echo", path.toString());
            try (SocketChannel ch = server.accept()) {
                ByteBuffer out = ByteBuffer.allocateDirect(FRAME).order(ByteOrder.LITTLE_ENDIAN);
                ByteBuffer in = ByteBuffer.allocateDirect(FRAME).order(ByteOrder.LITTLE_ENDIAN);
                long[] samples = new long[RTT_SAMPLES];
                for (int i = 0; i < RTT_WARMUP + RTT_SAMPLES; i++) {
                    out.clear();
                    out.putInt(SIZE).putLong(i).position(FRAME).flip();
                    long start = System.nanoTime();
                    writeFully(ch, out);
                    in.clear();
                    readFully(ch, in);
                    long end = System.nanoTime();
                    check(in.getLong(4), i);
                    if (i >= RTT_WARMUP) {
                        samples[i - RTT_WARMUP] = end - start;
                    }
                }
                ch.shutdownOutput();
                awaitExit(child);
                return percentiles(samples);
            }
        } finally {
            Files.deleteIfExists(path);
        }
    }

    private static double rawThroughput(int batch) throws Exception {
        Path path = socketPath();
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path));
            Process child = startChild("child-raw-sink", path.toString());
            try (SocketChannel ch = server.accept()) {
                ByteBuffer out = ByteBuffer.allocateDirect(batch * FRAME).order(ByteOrder.LITTLE_ENDIAN);
                ByteBuffer ack = ByteBuffer.allocate(1);
                rawSend(ch, out, 0, TP_WARMUP);
                ack.clear();
                readFully(ch, ack);
                long start = System.nanoTime();
                rawSend(ch, out, TP_WARMUP, TP_WARMUP + TP_MESSAGES);
                ack.clear();
                readFully(ch, ack);
                long elapsed = System.nanoTime() - start;
                ch.shutdownOutput();
                awaitExit(child);
                return TP_MESSAGES * 1e9 / elapsed;
            }
        } finally {
            Files.deleteIfExists(path);
        }
    }

    private static void rawSend(SocketChannel ch, ByteBuffer out, long from, long to) throws IOException {
        out.clear();
        for (long i = from; i < to; i++) {
            out.putInt(SIZE).putLong(i).position(out.position() + SIZE - 8);
            if (!out.hasRemaining() || i == to - 1) {
                out.flip();
                writeFully(ch, out);
                out.clear();
            }
        }
    }

    private static void rawEcho(String path) throws IOException {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            ByteBuffer buf = ByteBuffer.allocateDirect(FRAME);
            while (true) {
                buf.clear();
                while (buf.hasRemaining()) {
                    if (ch.read(buf) < 0) {
                        return;
                    }
                }
                buf.flip();
                writeFully(ch, buf);
            }
        }
    }

    private static void rawSink(String path) throws IOException {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            ByteBuffer buf = ByteBuffer.allocateDirect(256 << 10).order(ByteOrder.LITTLE_ENDIAN);
            long count = 0;
            long[] acks = {TP_WARMUP, TP_WARMUP + TP_MESSAGES};
            int nextAck = 0;
            while (nextAck < acks.length) {
                if (ch.read(buf) < 0) {
                    throw new IOException("end of stream after " + count + " frames");
                }
                buf.flip();
                while (buf.remaining() >= 4 && buf.remaining() >= 4 + buf.getInt(buf.position())) {
                    int length = buf.getInt();
                    check(buf.getLong(buf.position()), count);
                    buf.position(buf.position() + length);
                    if (++count == acks[nextAck]) {
                        writeFully(ch, ByteBuffer.wrap(new byte[]{1}));
                        nextAck++;
                    }
                }
                buf.compact();
            }
            ch.read(ByteBuffer.allocate(1)); // until the parent closes
        }
    }

    // ---------------------------------------------------------------- Pipe

    private static double[] pipeRtt(boolean objects) throws Exception {
        try (Context ctx = Multiproc.context("pipe")) {
            Pipe pipe = ctx.pipe();
            Connection here = pipe.left();
            Process child = startChild("child-pipe-echo", handle(pipe.right()), Boolean.toString(objects));
            byte[] message = new byte[SIZE];
            ByteBuffer seq = ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN);
            long[] samples = new long[RTT_SAMPLES];
            for (int i = 0; i < RTT_WARMUP + RTT_SAMPLES; i++) {
                seq.putLong(0, i);
                long start = System.nanoTime();
                byte[] reply;
                if (objects) {
                    here.send(message);
                    reply = here.recv();
                } else {
                    here.sendBytes(message);
                    reply = here.recvBytes();
                }
                long end = System.nanoTime();
                check(ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN).getLong(0), i);
                if (i >= RTT_WARMUP) {
                    samples[i - RTT_WARMUP] = end - start;
                }
            }
            here.close();
            awaitExit(child);
            return percentiles(samples);
        }
    }

    private static double pipeThroughput(boolean objects) throws Exception {
        try (Context ctx = Multiproc.context("pipe")) {
            Pipe pipe = ctx.pipe();
            Connection here = pipe.left();
            Process child = startChild("child-pipe-sink", handle(pipe.right()), Boolean.toString(objects));
            pipeSend(here, objects, 0, TP_WARMUP);
            here.recvBytes();
            long start = System.nanoTime();
            pipeSend(here, objects, TP_WARMUP, TP_WARMUP + TP_MESSAGES);
            here.recvBytes();
            long elapsed = System.nanoTime() - start;
            here.close();
            awaitExit(child);
            return TP_MESSAGES * 1e9 / elapsed;
        }
    }

    private static void pipeSend(Connection c, boolean objects, long from, long to) {
        byte[] message = new byte[SIZE];
        ByteBuffer seq = ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = from; i < to; i++) {
            seq.putLong(0, i);
            if (objects) {
                c.send(message);
            } else {
                c.sendBytes(message);
            }
        }
    }

    private static void pipeEcho(Connection c, boolean objects) {
        try (c) {
            while (true) {
                if (objects) {
                    c.send((Object) c.recv());
                } else {
                    c.sendBytes(c.recvBytes());
                }
            }
        } catch (dev.multiproc.ConnectionClosedException endOfRun) {
            // the parent closed its end: done
        }
    }

    private static void pipeSink(Connection c, boolean objects) {
        try (c) {
            long count = 0;
            for (long ackAt : new long[]{TP_WARMUP, TP_WARMUP + TP_MESSAGES}) {
                while (count < ackAt) {
                    byte[] m = objects ? c.recv() : c.recvBytes();
                    check(ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).getLong(0), count);
                    count++;
                }
                c.sendBytes(new byte[]{1});
            }
            c.recvBytes(); // until the parent closes
        } catch (dev.multiproc.ConnectionClosedException endOfRun) {
            // the parent closed its end: done
        }
    }

    private static String handle(Connection end) {
        return Base64.getEncoder().encodeToString(Serializer.standard().serialize(end));
    }

    private static Connection fromHandle(String encoded) {
        return Serializer.standard().deserialize(Base64.getDecoder().decode(encoded));
    }

    // ---------------------------------------------------------------- plumbing

    private static void child(String[] args) throws Exception {
        switch (args[0]) {
            case "child-raw-echo" -> rawEcho(args[1]);
            case "child-raw-sink" -> rawSink(args[1]);
            case "child-pipe-echo" -> pipeEcho(fromHandle(args[1]), Boolean.parseBoolean(args[2]));
            case "child-pipe-sink" -> pipeSink(fromHandle(args[1]), Boolean.parseBoolean(args[2]));
            default -> throw new IllegalArgumentException("unknown role " + args[0]);
        }
    }

    private static Process startChild(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        if (childCpu != null) {
            command.addAll(List.of("taskset", "-c", childCpu));
        }
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(PipeBenchmark.class.getName());
        command.addAll(Arrays.asList(args));
        return new ProcessBuilder(command).inheritIO().start();
    }

    private static void awaitExit(Process child) throws InterruptedException {
        if (!child.waitFor(30, TimeUnit.SECONDS)) {
            child.destroyForcibly();
            throw new IllegalStateException("benchmark child " + child.pid() + " did not exit within 30 s; killed");
        }
        if (child.exitValue() != 0) {
            throw new IllegalStateException("benchmark child " + child.pid() + " exited with " + child.exitValue());
        }
    }

    private static Path socketPath() {
        return Path.of(System.getProperty("java.io.tmpdir"), "multiproc-bench-" + ProcessHandle.current().pid()
                + "-" + System.nanoTime() + ".sock");
    }

    private static double[] percentiles(long[] samples) {
        long[] sorted = samples.clone();
        Arrays.sort(sorted);
        return new double[]{sorted[sorted.length / 2] / 1e3, sorted[(int) (sorted.length * 0.99)] / 1e3};
    }

    private static void check(long seq, long expected) {
        if (seq != expected) {
            throw new IllegalStateException("message " + seq + " arrived where " + expected + " was expected");
        }
    }

    private static void writeFully(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static void readFully(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new IOException("end of stream with " + b.remaining() + " bytes missing");
            }
        }
        b.flip();
    }
}
