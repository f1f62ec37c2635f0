package dev.multiproc;

/** Name, pid and daemon flag of a process: the current one or its parent. */
public interface ProcessInfo {
    /** @return the process name: {@code MainProcess} for the main one, {@code Process-N} by default for children */
    String name();

    /** @return the operating-system process id */
    long pid();

    /** @return whether the process is a daemon child (terminated when its parent exits) */
    boolean isDaemon();

    /**
     * @param name   process name
     * @param pid    process id
     * @param daemon daemon flag
     * @return an immutable ProcessInfo
     */
    static ProcessInfo of(String name, long pid, boolean daemon) {
        record Info(String name, long pid, boolean isDaemon) implements ProcessInfo {
            @Override
            public String toString() {
                return name + "(pid " + pid + (isDaemon ? ", daemon)" : ")");
            }
        }
        return new Info(name, pid, daemon);
    }
}
