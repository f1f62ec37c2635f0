package dev.multiproc.benchmarks;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where the two JVMs of a round-trip benchmark run. On a 2-vCPU VM a blocking wake-up costs
 * ~5 µs when both JVMs share a CPU and ~40 µs when it crosses CPUs, and an unpinned run drifts
 * between the two: its median says more about the scheduler than about the channel. So round
 * trips are measured per placement, with {@code taskset}:
 * <ul>
 *   <li>{@code split}: this JVM on CPU 0, the child on CPU 1 (every wake-up crosses CPUs);</li>
 *   <li>{@code same}: both on CPU 0;</li>
 *   <li>{@code free}: no pinning.</li>
 * </ul>
 * Chosen with {@code -Dbench.placement=split,same,free}.
 */
public final class Placement {
    private Placement() {
    }

    /**
     * @param defaults the placements used when {@code bench.placement} is not set, comma-separated
     * @return the placements to measure, in order
     */
    public static List<String> chosen(String defaults) {
        List<String> all = List.of(System.getProperty("bench.placement", defaults).split(","));
        for (String p : all) {
            cpuOfChild(p); // rejects unknown names before anything runs
        }
        return all;
    }

    /**
     * Pins every thread of this JVM (and the threads it starts later) for a placement.
     *
     * @param placement split, same or free
     * @throws Exception if {@code taskset} fails
     */
    public static void pinSelf(String placement) throws Exception {
        String cpus = placement.equals("free") ? "0-" + (Runtime.getRuntime().availableProcessors() - 1) : "0";
        taskset(cpus, ProcessHandle.current().pid());
    }

    /**
     * Pins every thread of a child JVM for a placement; a no-op for {@code free}.
     *
     * @param placement split, same or free
     * @param pid       the child
     * @throws Exception if {@code taskset} fails
     */
    public static void pinChild(String placement, long pid) throws Exception {
        String cpu = cpuOfChild(placement);
        if (cpu != null) {
            taskset(cpu, pid);
        }
    }

    /**
     * @param placement split, same or free
     * @return the CPU list for a child ({@code taskset -c}), or null when not pinned
     */
    public static String cpuOfChild(String placement) {
        return switch (placement) {
            case "split" -> "1";
            case "same" -> "0";
            case "free" -> null;
            default -> throw new IllegalArgumentException("bench.placement must be split, same or free, was " + placement);
        };
    }

    /**
     * @param placement split, same or free
     * @return how to name the placement in a table title
     */
    public static String describe(String placement) {
        return switch (placement) {
            case "split" -> "split (this JVM on CPU 0, the other on CPU 1)";
            case "same" -> "shared (both JVMs on CPU 0)";
            default -> "not pinned";
        };
    }

    private static void taskset(String cpus, long pid) throws Exception {
        Process p = new ProcessBuilder("taskset", "-a", "-p", "-c", cpus, Long.toString(pid))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("taskset -a -p -c " + cpus + " " + pid + " failed");
        }
    }
}
