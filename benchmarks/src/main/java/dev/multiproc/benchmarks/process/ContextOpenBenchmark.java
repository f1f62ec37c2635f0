package dev.multiproc.benchmarks.process;

import dev.multiproc.Context;
import dev.multiproc.Multiproc;
import dev.multiproc.spi.ContextSettings;
import dev.multiproc.spi.process.OwnedFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * What opening a context costs, most of which is the sweep of files left by dead processes:
 * the first open in a fresh JVM, then warmed opens (open + close), beside the two directory
 * sweeps alone in the same run. Run with
 * {@code flock /tmp/bench.lock benchmarks/run.sh process.ContextOpenBenchmark [opens]}; prints a
 * Markdown table.
 */
public final class ContextOpenBenchmark {
    private ContextOpenBenchmark() {
    }

    /**
     * @param args [warmed opens, default 5,000] [files of a live owner (this process) to put in the
     *             shm directory first, so the sweep has names to judge; default 0]
     * @throws IOException if a directory cannot be listed
     */
    public static void main(String[] args) throws IOException {
        int opens = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
        int liveFiles = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        List<Path> made = new ArrayList<>();
        for (int i = 0; i < liveFiles; i++) {
            made.add(Files.createFile(ContextSettings.process().shmDirectory().resolve(OwnedFiles.newName("bench", ""))));
        }
        try {
            run(opens);
        } finally {
            for (Path f : made) {
                Files.deleteIfExists(f);
            }
        }
    }

    private static void run(int opens) throws IOException {
        long t0 = System.nanoTime();
        Multiproc.context("pipe").close();
        long first = System.nanoTime() - t0;

        ContextSettings settings = ContextSettings.process();
        long[] open = new long[opens];
        long[] sweep = new long[opens];
        for (int i = 0; i < opens; i++) {
            long a = System.nanoTime();
            Context ctx = Multiproc.context("pipe");
            long b = System.nanoTime();
            ctx.close();
            open[i] = b - a;
            long c = System.nanoTime();
            OwnedFiles.sweepAll(settings.shmDirectory());
            OwnedFiles.sweepAll(settings.socketDirectory());
            sweep[i] = System.nanoTime() - c;
        }
        System.out.printf(Locale.ROOT, "Context open, pipe transport: %d warmed opens; %d files named multiproc-* in %s, %d in %s%n%n",
                opens, count(settings.shmDirectory()), settings.shmDirectory(), count(settings.socketDirectory()),
                settings.socketDirectory());
        System.out.println("| what | median | p99 |");
        System.out.println("|---|---:|---:|");
        System.out.printf(Locale.ROOT, "| first `Multiproc.context(\"pipe\")` in a fresh JVM (loads the classes) | %.2f ms | |%n", first / 1e6);
        System.out.printf(Locale.ROOT, "| `Multiproc.context(\"pipe\")`, warmed | %.1f us | %.1f us |%n", pct(open, 50) / 1e3, pct(open, 99) / 1e3);
        System.out.printf(Locale.ROOT, "| of which: the two sweeps alone, warmed | %.1f us | %.1f us |%n", pct(sweep, 50) / 1e3, pct(sweep, 99) / 1e3);
    }

    private static long count(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith(ContextSettings.FILE_PREFIX)).count();
        }
    }

    private static long pct(long[] values, int p) {
        long[] v = values.clone();
        Arrays.sort(v);
        return v[Math.min(v.length - 1, v.length * p / 100)];
    }
}
