package dev.multiproc.spi;

import dev.multiproc.ProcessInfo;
import dev.multiproc.spi.auth.KernelRandom;

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
    /** Bytes of a fresh authkey. */
    public static final int AUTHKEY_BYTES = 32;
    private static volatile byte[] authkey = randomAuthkey();

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
     * @param name       this process's name
     * @param daemon     whether it is a daemon
     * @param parentInfo the parent
     * @param parentKey  the parent's authkey, which this process inherits
     */
    public static void initChild(String name, boolean daemon, ProcessInfo parentInfo, byte[] parentKey) {
        current = ProcessInfo.of(name, ProcessHandle.current().pid(), daemon);
        parent = parentInfo;
        if (parentKey.length > 0) {
            authkey = parentKey.clone();
        }
    }

    /**
     * The secret that every socket of the library authenticates with ({@code HandshakeSteps}), as
     * Python's {@code current_process().authkey}: random in the main process, inherited by every
     * process it starts (through the bootstrap on the child's stdin, never on a command line).
     *
     * @return a copy of this process's authkey
     */
    public static byte[] authkey() {
        return authkey.clone();
    }

    private static byte[] randomAuthkey() {
        byte[] key = new byte[AUTHKEY_BYTES];
        KernelRandom.fill(key);
        return key;
    }

    /** @return whether this process was started by Multiproc */
    public static boolean isChild() {
        return parent != null;
    }
}
