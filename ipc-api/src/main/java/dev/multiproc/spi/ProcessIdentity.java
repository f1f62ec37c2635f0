package dev.multiproc.spi;

import dev.multiproc.ProcessInfo;

import java.util.Optional;

/**
 * Who this process is. The main process is {@code MainProcess}; a child started by the launcher
 * is told its name and parent before its target runs.
 */
public final class ProcessIdentity {
    /** Name of a process Multiproc did not start. */
    public static final String MAIN_PROCESS_NAME = "MainProcess";

    private static volatile ProcessInfo current = ProcessInfo.of(MAIN_PROCESS_NAME, ProcessHandle.current().pid(), false);
    private static volatile ProcessInfo parent;

    private ProcessIdentity() {
    }

    /** @return this process */
    public static ProcessInfo current() {
        return current;
    }

    /** @return the parent, if Multiproc started this process */
    public static Optional<ProcessInfo> parent() {
        return Optional.ofNullable(parent);
    }

    /**
     * Called by the launcher in a child, before the target runs.
     *
     * @param name   this process's name
     * @param daemon whether it is a daemon
     * @param parentInfo the parent
     */
    public static void initChild(String name, boolean daemon, ProcessInfo parentInfo) {
        current = ProcessInfo.of(name, ProcessHandle.current().pid(), daemon);
        parent = parentInfo;
    }

    /** @return whether this process was started by Multiproc */
    public static boolean isChild() {
        return parent != null;
    }
}
