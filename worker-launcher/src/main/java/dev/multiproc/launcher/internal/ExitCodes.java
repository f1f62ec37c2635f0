package dev.multiproc.launcher.internal;

/**
 * Maps the exit value the JDK reports for a child to Python's {@code exitcode}: 0, 1, n after
 * {@code System.exit(n)}, and -N after death by signal N.
 *
 * <p>{@link Process#exitValue()} reports 128+N for a process killed by signal N, and a JVM that
 * receives SIGTERM runs its shutdown hooks and exits with 143 = 128+15 itself. Neither can be told
 * apart from {@code System.exit(128+N)}, so 128+N becomes -N only when the child did not report
 * a normal end on its control channel and either the parent sent that very signal or N is a
 * standard signal (1..31).
 */
public final class ExitCodes {
    /** SIGKILL. */
    public static final int SIGKILL = 9;
    /** SIGTERM. */
    public static final int SIGTERM = 15;
    /** The JDK reports a death by signal N as this plus N. */
    static final int SIGNAL_BASE = 128;
    /** Highest standard (non real-time) signal number on Linux. */
    static final int MAX_STANDARD_SIGNAL = 31;

    private ExitCodes() {
    }

    /**
     * @param rawExitValue {@link Process#exitValue()}
     * @param exitReported whether the child reported the end of its target on the control channel
     * @param signalSent   the last signal the parent sent (0 if none)
     * @return the exit code as {@link dev.multiproc.IpcProcess#exitCode()} reports it
     */
    public static int toExitCode(int rawExitValue, boolean exitReported, int signalSent) {
        int signal = rawExitValue - SIGNAL_BASE;
        if (signal < 1 || signal > MAX_STANDARD_SIGNAL) {
            return rawExitValue;
        }
        if (signal == signalSent || !exitReported) {
            return -signal;
        }
        return rawExitValue;
    }
}
