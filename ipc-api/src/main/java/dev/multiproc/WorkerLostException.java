package dev.multiproc;

import java.util.OptionalInt;

/** Thrown for a task whose worker process died while it held the task; names the worker and its exit code. */
public class WorkerLostException extends IpcException {
    private static final long serialVersionUID = 1L;
    private final String workerName;
    private final long workerPid;
    private final Integer exitCode;

    /**
     * @param workerName the dead worker's process name
     * @param workerPid  the dead worker's pid
     * @param exitCode   its exit code as {@link IpcProcess#exitCode()} reports it, if known
     */
    public WorkerLostException(String workerName, long workerPid, OptionalInt exitCode) {
        super("worker " + workerName + " (pid " + workerPid + ") died while running the task; exit code "
                + (exitCode.isPresent() ? String.valueOf(exitCode.getAsInt()) : "unknown"));
        this.workerName = workerName;
        this.workerPid = workerPid;
        this.exitCode = exitCode.isPresent() ? exitCode.getAsInt() : null;
    }

    /** @return the dead worker's process name */
    public String workerName() {
        return workerName;
    }

    /** @return the dead worker's pid */
    public long workerPid() {
        return workerPid;
    }

    /** @return the dead worker's exit code, if known */
    public OptionalInt exitCode() {
        return exitCode == null ? OptionalInt.empty() : OptionalInt.of(exitCode);
    }
}
