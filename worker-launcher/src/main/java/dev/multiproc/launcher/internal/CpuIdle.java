package dev.multiproc.launcher.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How idle this machine's CPUs are, from the kernel's counters ({@code /proc/stat}: the first
 * line sums every CPU's time, in ticks, by state). A spare JVM starts only when a CPU is free
 * enough for it: its start-up and warm-up take about a second of CPU, which on a machine of two
 * would come out of the user's work. Stateless.
 */
final class CpuIdle {
    private static final Path STAT = Path.of("/proc/stat");
    /** Fields of the "cpu" line after its name: user nice system idle iowait irq softirq steal. */
    private static final int IDLE = 3;
    private static final int IOWAIT = 4;

    private CpuIdle() {
    }

    /** @return {idle ticks, all ticks} summed over the CPUs, or null where {@code /proc/stat} cannot be read */
    static long[] sample() {
        try {
            String first = Files.readAllLines(STAT).getFirst();
            String[] f = first.trim().split("\\s+");
            if (!f[0].equals("cpu")) {
                return null;
            }
            long total = 0;
            long idle = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                long v = Long.parseLong(f[i]);
                total += v;
                if (i - 1 == IDLE || i - 1 == IOWAIT) {
                    idle += v;
                }
            }
            return new long[]{idle, total};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * @param before an earlier {@link #sample()}
     * @param after  a later one
     * @param cpus   the CPUs counted
     * @return how many CPUs' worth were idle in between (0 when no tick passed)
     */
    static double idleCpus(long[] before, long[] after, int cpus) {
        long total = after[1] - before[1];
        return total <= 0 ? 0 : (after[0] - before[0]) * (double) cpus / total;
    }
}
