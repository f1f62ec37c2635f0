package dev.multiproc.benchmarks.shm;

import dev.multiproc.Context;
import dev.multiproc.IpcBarrier;
import dev.multiproc.IpcEvent;
import dev.multiproc.IpcLock;
import dev.multiproc.IpcProcess;
import dev.multiproc.Multiproc;
import dev.multiproc.ProcessTarget;
import dev.multiproc.SharedDoubleArray;
import dev.multiproc.SharedLong;
import dev.multiproc.SharedLongArray;
import dev.multiproc.ContextOptions;
import dev.multiproc.spi.ContextSettings;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
import java.util.List;
import java.util.Locale;

/**
 * Two-process benchmark of ipc-shm's shared values and synchronization primitives. This JVM is one
 * side; the other is a child JVM started through the launcher ({@code ctx.process}), which gets
 * every handle through its target lambda. Each scenario runs one warm-up round and
 * {@value #ROUNDS} measured rounds (median reported), with both sides lined up on a barrier before
 * and after every round. Baselines measured in the same run: a blocking Unix-domain socket
 * ping-pong between the same two JVMs (the kernel's wake-up floor) and a single-process memcpy
 * of the same size. Python 3.11 figures are from {@code /work/shared/anchors/python/RESULTS.md}.
 *
 * <p>Run with {@code flock /tmp/bench.lock java ... ShmSyncBenchmark [scale [counters,locks,event,barrier,bulk]]};
 * prints a Markdown
 * table.
 */
public final class ShmSyncBenchmark {
    private static final int ROUNDS = 5;
    private static final Duration JOIN = Duration.ofMinutes(5);

    private ShmSyncBenchmark() {
    }

    /**
     * @param args optional scale factor for the operation counts (default 1)
     * @throws Exception if a side fails
     */
    public static void main(String[] args) throws Exception {
        double scale = args.length > 0 ? Double.parseDouble(args[0]) : 1;
        List<String> only = args.length > 1 ? List.of(args[1].split(",")) : List.of("counters", "locks", "event", "barrier", "bulk");
        List<String[]> rows = new ArrayList<>();
        try (Context ctx = Multiproc.context("pipe")) {
            int n = (int) (2_000_000 * scale);
            if (only.contains("counters")) {
                double atomic = throughput(ctx, "atomic", n);
                rows.add(row("`SharedLong.incrementAndGet`, 2 procs", fmtM(atomic) + " M ops/s", "—", "—"));
            }
            if (only.contains("locks")) {
                double locked = throughput(ctx, "locked", (int) (1_000_000 * scale));
                rows.add(row("increment under `lock()`, 2 procs", fmtM(locked) + " M ops/s", "0.81 M/s",
                        fmt(locked / 0.81e6) + "x (target >= 20x)"));
                double alone = uncontended(ctx, n);
                rows.add(row("`lock(); unlock()` uncontended, 1 proc", fmtM(alone) + " M ops/s", "19.2 M/s",
                        fmt(alone / 19.2e6) + "x (target >= 2x)"));
                double contended = throughput(ctx, "lock", n);
                rows.add(row("`lock(); unlock()` contended, 2 procs", fmtM(contended) + " M ops/s", "6.2 M/s",
                        fmt(contended / 6.2e6) + "x (target >= 2x)"));
            }
            if (only.contains("event")) {
                double uds = udsPingPong(ctx, (int) (20_000 * scale));
                double sleeping = eventPingPong((int) (20_000 * scale), true);
                double spinning = eventPingPong((int) (200_000 * scale), false);
                rows.add(row("Unix-socket ping-pong RTT (baseline)", fmt(uds) + " us median", "—", "—"));
                rows.add(row("Event ping-pong RTT, sleeping waiters (spin and yield 0)", fmt(sleeping) + " us median", "145 us",
                        fmt(sleeping / uds) + "x the socket RTT (target <= 1x)"));
                rows.add(row("Event ping-pong RTT, spinning waiters (default wait strategy)", fmt(spinning * 1000) + " ns median", "145 us",
                        (spinning < 1 ? "under" : "OVER") + " 1 us (target < 1 us)"));
            }
            if (only.contains("barrier")) {
                double cycles = throughput(ctx, "barrier", (int) (100_000 * scale)) / 2;
                rows.add(row("`Barrier(2).await()`", fmtK(cycles) + " k cycles/s", "6 k/s",
                        fmt(cycles / 6e3) + "x (target >= 10x)"));
            }
            if (only.contains("bulk")) {
                double[] bulk = bulkCopy(ctx);
                rows.add(row("memcpy 64 MiB, native to native (baseline)", fmt(bulk[0]) + " GB/s", "—", "—"));
                rows.add(row("copy 64 MiB `long[]` into a new `long[]` (`Arrays.copyOf`, baseline)", fmt(bulk[1]) + " GB/s", "—", "—"));
                rows.add(row("`SharedLongArray.copyFrom` 64 MiB (child writes)", fmt(bulk[2]) + " GB/s", "11.25 GB/s",
                        fmt(bulk[2] / bulk[0]) + "x memcpy (target >= 0.7x)"));
                rows.add(row("`SharedLongArray.toArray` 64 MiB, a new array each time (parent reads)", fmt(bulk[3]) + " GB/s",
                        "11.45 GB/s", fmt(bulk[3] / bulk[0]) + "x memcpy, " + fmt(bulk[3] / bulk[1]) + "x copyOf (target >= 0.7x)"));
                rows.add(row("`SharedLongArray.copyTo(long[])` 64 MiB, into an existing array (parent reads)", fmt(bulk[4]) + " GB/s",
                        "11.45 GB/s", fmt(bulk[4] / bulk[0]) + "x memcpy (target >= 0.7x)"));
            }
        }
        System.out.println("| scenario | Multiproc (ipc-shm) | Python 3.11 | ratio |");
        System.out.println("|---|---|---|---|");
        for (String[] r : rows) {
            System.out.println("| " + String.join(" | ", r) + " |");
        }
    }

    private static String[] row(String... cells) {
        return cells;
    }

    /**
     * Both sides run {@code n} operations of one kind concurrently; returns total operations per second.
     */
    private static double throughput(Context ctx, String kind, int n) throws Exception {
        IpcBarrier sync = ctx.barrier(2);
        SharedLong value = ctx.sharedLong(0);
        IpcLock lock = ctx.lock();
        IpcBarrier subject = ctx.barrier(2);
        ProcessTarget side = () -> {
            for (int r = 0; r <= ROUNDS; r++) {
                sync.await();
                work(kind, n, value, lock, subject);
                sync.await();
            }
        };
        IpcProcess child = ctx.process("bench-" + kind, side).start();
        double[] rates = new double[ROUNDS];
        for (int r = 0; r <= ROUNDS; r++) {
            sync.await();
            long start = System.nanoTime();
            work(kind, n, value, lock, subject);
            sync.await();
            long elapsed = System.nanoTime() - start;
            if (r > 0) {
                rates[r - 1] = 2.0 * n / (elapsed / 1e9);
            }
        }
        join(child);
        if (kind.equals("atomic") || kind.equals("locked")) {
            long expected = 2L * n * (ROUNDS + 1);
            if (value.get() != expected) {
                throw new AssertionError(kind + ": total " + value.get() + " != " + expected);
            }
        }
        return median(rates);
    }

    private static void work(String kind, int n, SharedLong value, IpcLock lock, IpcBarrier subject) throws Exception {
        switch (kind) {
            case "atomic" -> {
                for (int i = 0; i < n; i++) {
                    value.incrementAndGet();
                }
            }
            case "locked" -> {
                for (int i = 0; i < n; i++) {
                    lock.lock();
                    try {
                        value.set(value.get() + 1);
                    } finally {
                        lock.unlock();
                    }
                }
            }
            case "lock" -> {
                for (int i = 0; i < n; i++) {
                    lock.lock();
                    lock.unlock();
                }
            }
            case "barrier" -> {
                for (int i = 0; i < n; i++) {
                    subject.await();
                }
            }
            default -> throw new IllegalArgumentException(kind);
        }
    }

    /**
     * @param n     round trips per round
     * @param sleep whether the waiters sleep at once (spin and yield phases 0) or wait as by default
     * @return the median round-trip time in microseconds of an Event ping-pong
     */
    private static double eventPingPong(int n, boolean sleep) throws Exception {
        ContextOptions.Builder options = ContextOptions.builder().transport("pipe");
        if (sleep) {
            options.setting(ContextSettings.WAIT_SPIN_NANOS, "0").setting(ContextSettings.WAIT_YIELD_NANOS, "0");
        }
        try (Context ctx = Multiproc.context(options.build())) {
            return eventPingPong(ctx, n);
        }
    }

    /** @return {@code lock(); unlock()} per second in this process alone, the median of the rounds after a warm-up */
    private static double uncontended(Context ctx, int n) {
        IpcLock lock = ctx.lock();
        double[] rates = new double[ROUNDS];
        for (int r = -1; r < ROUNDS; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                lock.lock();
                lock.unlock();
            }
            long t1 = System.nanoTime();
            if (r >= 0) {
                rates[r] = n * 1e9 / (t1 - t0);
            }
        }
        return median(rates);
    }

    /** @return the median round-trip time in microseconds of an Event ping-pong; the events wait as the context says */
    private static double eventPingPong(Context ctx, int n) throws Exception {
        IpcBarrier sync = ctx.barrier(2);
        IpcEvent ping = ctx.event();
        IpcEvent pong = ctx.event();
        IpcProcess child = ctx.process("bench-event", () -> {
            for (int r = 0; r <= ROUNDS; r++) {
                sync.await();
                for (int i = 0; i < n; i++) {
                    ping.await();
                    ping.clear();
                    pong.set();
                }
                sync.await();
            }
        }).start();
        double[] medians = new double[ROUNDS];
        long[] samples = new long[n];
        for (int r = 0; r <= ROUNDS; r++) {
            sync.await();
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                ping.set();
                pong.await();
                pong.clear();
                samples[i] = System.nanoTime() - t0;
            }
            sync.await();
            if (r > 0) {
                medians[r - 1] = medianNanos(samples) / 1000.0;
            }
        }
        join(child);
        return median(medians);
    }

    /** @return the median round-trip time in microseconds of a 1-byte blocking Unix-domain socket ping-pong */
    private static double udsPingPong(Context ctx, int n) throws Exception {
        Path path = Files.createTempFile("multiproc-bench-", ".sock");
        Files.delete(path);
        String where = path.toString();
        double[] medians = new double[ROUNDS];
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path));
            IpcProcess child = ctx.process("bench-uds", () -> {
                try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(where))) {
                    ByteBuffer b = ByteBuffer.allocateDirect(1);
                    for (long i = 0; i < (long) n * (ROUNDS + 1); i++) {
                        b.clear();
                        readFully(ch, b);
                        b.flip();
                        ch.write(b);
                    }
                }
            }).start();
            try (SocketChannel ch = server.accept()) {
                ByteBuffer b = ByteBuffer.allocateDirect(1);
                long[] samples = new long[n];
                for (int r = 0; r <= ROUNDS; r++) {
                    for (int i = 0; i < n; i++) {
                        long t0 = System.nanoTime();
                        b.clear();
                        b.put((byte) 1).flip();
                        ch.write(b);
                        b.clear();
                        readFully(ch, b);
                        samples[i] = System.nanoTime() - t0;
                    }
                    if (r > 0) {
                        medians[r - 1] = medianNanos(samples) / 1000.0;
                    }
                }
            }
            join(child);
        } finally {
            Files.deleteIfExists(path);
        }
        return median(medians);
    }

    private static void readFully(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new IOException("peer closed");
            }
        }
    }

    /**
     * @return GB/s of: native memcpy, Arrays.copyOf (baselines, this JVM), copyFrom in the
     *         child, toArray and copyTo in this JVM; 64 MiB each
     */
    private static double[] bulkCopy(Context ctx) throws Exception {
        int longs = 64 << 20 >> 3;
        double bytes = (double) longs * Long.BYTES;
        double[] native2native = new double[ROUNDS];
        double[] arraycopy = new double[ROUNDS];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(bytes > 0 ? (long) bytes : 1, 64);
            MemorySegment b = arena.allocate((long) bytes, 64);
            a.fill((byte) 1);
            b.fill((byte) 2);
            long[] x = new long[longs];
            long[] y;
            Arrays.fill(x, 3);
            for (int r = 0; r <= ROUNDS; r++) {
                long t0 = System.nanoTime();
                MemorySegment.copy(a, 0, b, 0, (long) bytes);
                long t1 = System.nanoTime();
                y = Arrays.copyOf(x, longs); // allocates, as toArray must
                long t2 = System.nanoTime();
                if (y[longs - 1] != 3) {
                    throw new AssertionError("copyOf lost data");
                }
                if (r > 0) {
                    native2native[r - 1] = bytes / (t1 - t0);
                    arraycopy[r - 1] = bytes / (t2 - t1);
                }
            }
        }
        SharedLongArray array = ctx.sharedLongArray(longs);
        SharedDoubleArray childRates = ctx.sharedDoubleArray(ROUNDS + 1);
        IpcProcess child = ctx.process("bench-bulk", () -> {
            long[] src = new long[longs];
            Arrays.fill(src, 42);
            for (int r = 0; r <= ROUNDS; r++) {
                long t0 = System.nanoTime();
                array.copyFrom(src);
                childRates.set(r, bytes / (System.nanoTime() - t0));
            }
        }).start();
        join(child);
        double[] written = Arrays.copyOfRange(childRates.toArray(), 1, ROUNDS + 1);
        double[] read = new double[ROUNDS];
        double[] readInto = new double[ROUNDS];
        long[] into = new long[longs];
        Arrays.fill(into, 1); // touched: the pages exist
        for (int r = 0; r <= ROUNDS; r++) {
            long t0 = System.nanoTime();
            long[] out = array.toArray();
            long t1 = System.nanoTime();
            array.copyTo(into);
            long t2 = System.nanoTime();
            if (out[longs - 1] != 42 || into[longs - 1] != 42) {
                throw new AssertionError("read " + out[longs - 1] + " and " + into[longs - 1] + ", the child wrote 42");
            }
            if (r > 0) {
                read[r - 1] = bytes / (t1 - t0);
                readInto[r - 1] = bytes / (t2 - t1);
            }
        }
        return new double[]{median(native2native), median(arraycopy), median(written), median(read), median(readInto)};
    }

    private static void join(IpcProcess p) throws InterruptedException {
        if (!p.join(JOIN)) {
            p.kill();
            throw new IllegalStateException(p.name() + " did not finish within " + JOIN);
        }
        if (p.exitCode().orElse(-1) != 0) {
            throw new IllegalStateException(p.name() + " failed with exit code " + p.exitCode() + ": " + p.failure());
        }
    }

    private static double medianNanos(long[] samples) {
        long[] s = samples.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
    }

    private static String fmtM(double v) {
        return fmt(v / 1e6);
    }

    private static String fmtK(double v) {
        return fmt(v / 1e3);
    }
}
