package dev.multiproc.spi.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Tells whether a process is still the one that wrote its pid into shared memory. Pids are reused,
 * so every pid we record goes with a <em>start stamp</em>: on Linux the process start time in
 * clock ticks since boot (field 22 of {@code /proc/<pid>/stat}), elsewhere the start instant in
 * milliseconds from {@link ProcessHandle.Info#startInstant()}. A process is alive when its pid
 * exists, is not a zombie, and its start stamp matches (a stamp of 0 means "unknown": only the pid
 * is checked). Thread-safe.
 */
public final class ProcessLiveness {
    private static final Path PROC = Path.of("/proc");
    private static final boolean PROCFS = Files.isReadable(PROC.resolve("self").resolve("stat"));
    private static final long SELF_PID = ProcessHandle.current().pid();
    private static final long SELF_START = stampOf(SELF_PID);

    private ProcessLiveness() {
    }

    /** @return this process's pid */
    public static long selfPid() {
        return SELF_PID;
    }

    /** @return this process's start stamp */
    public static long selfStart() {
        return SELF_START;
    }

    /**
     * @param pid   a pid
     * @param stamp its recorded start stamp, or 0 if unknown
     * @return whether that process is alive (and is the same process)
     */
    public static boolean isAlive(long pid, long stamp) {
        if (pid <= 0) {
            return false;
        }
        if (pid == SELF_PID) {
            return stamp == 0 || stamp == SELF_START;
        }
        if (PROCFS) {
            ProcStat stat = readStat(pid);
            return stat != null && stat.state != 'Z' && stat.state != 'X' && (stamp == 0 || stat.startTicks == 0 || stamp == stat.startTicks);
        }
        return ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .filter(p -> stamp == 0 || stamp == p.info().startInstant().map(Instant::toEpochMilli).orElse(stamp))
                .isPresent();
    }

    /**
     * @param pid a pid
     * @return its start stamp, or 0 if it cannot be read
     */
    public static long stampOf(long pid) {
        if (PROCFS) {
            ProcStat stat = readStat(pid);
            return stat == null ? 0 : stat.startTicks;
        }
        return ProcessHandle.of(pid).flatMap(p -> p.info().startInstant()).map(Instant::toEpochMilli).orElse(0L);
    }

    private record ProcStat(char state, long startTicks) {
    }

    private static final ProcStat UNKNOWN = new ProcStat('?', 0);

    private static ProcStat readStat(long pid) {
        String text;
        try {
            text = new String(Files.readAllBytes(PROC.resolve(Long.toString(pid)).resolve("stat")), StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return UNKNOWN; // exists but unreadable right now: assume alive rather than steal from it
        }
        // "pid (comm) state ppid ..." — comm may hold spaces and parentheses: parse after the last ')'.
        int close = text.lastIndexOf(')');
        if (close < 0 || close + 2 >= text.length()) {
            return null;
        }
        String[] fields = text.substring(close + 2).split(" ");
        // fields[0] is field 3 (state); field 22 (starttime) is fields[19].
        if (fields.length < 20) {
            return null;
        }
        try {
            return new ProcStat(fields[0].charAt(0), Long.parseLong(fields[19]));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
