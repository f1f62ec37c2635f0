package dev.multiproc.launcher.internal;

import dev.multiproc.spi.process.ExitHooks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.Optional;

/**
 * Makes a child JVM exit when its parent dies, even by SIGKILL: the parent holds the write end
 * of the child's stdin and never closes it while alive, so end of file on stdin means the parent
 * is gone ({@code multiproc-parent-watch}). As a backup, {@code multiproc-parent-check} looks
 * every {@value #CHECK_MILLIS} ms whether this process was re-parented (its parent pid changed).
 * Either way the child halts at once, without shutdown hooks: its own children notice in turn.
 *
 * <p>At a normal exit the last exit step ({@link ExitHooks.Phase#RELEASE}) closes stdin: a thread blocked in a native read
 * would otherwise hold up the JVM's exit by 300 ms (HotSpot waits that long for threads in
 * native code before it exits).
 */
final class ParentWatch {
    /** Exit status of a child whose parent is gone (nobody is left to read it). */
    static final int ORPHANED_EXIT_STATUS = 1;
    private static final long CHECK_MILLIS = 500;

    private ParentWatch() {
    }

    /**
     * @param stdin     the child's stdin, after the bootstrap was read from it
     * @param parentPid the parent's pid, from the bootstrap
     */
    static void start(FileChannel stdin, long parentPid) {
        ExitHooks.register(ExitHooks.Phase.RELEASE, () -> {
            try {
                stdin.close(); // wakes the watcher, which then returns quietly
            } catch (IOException e) {
                // Exiting anyway.
            }
        });
        Thread.ofPlatform().name("multiproc-parent-watch").daemon(true).start(() -> watchStdin(stdin));
        Thread.ofPlatform().name("multiproc-parent-check").daemon(true).start(() -> checkParent(parentPid));
    }

    private static void watchStdin(FileChannel stdin) {
        ByteBuffer discard = ByteBuffer.allocate(256);
        try {
            while (stdin.read(discard.clear()) >= 0) {
                // The parent writes nothing after the bootstrap; anything else is ignored.
            }
        } catch (ClosedChannelException closedAtExit) { // incl. AsynchronousCloseException
            return; // this JVM is exiting: closed by the shutdown hook
        } catch (IOException e) {
            // A broken pipe means the same as end of file: the parent is gone.
        }
        Runtime.getRuntime().halt(ORPHANED_EXIT_STATUS);
    }

    private static void checkParent(long parentPid) {
        Duration period = Duration.ofMillis(CHECK_MILLIS);
        while (true) {
            Optional<ProcessHandle> parent = ProcessHandle.current().parent();
            if (parent.isEmpty() || parent.get().pid() != parentPid || !parent.get().isAlive()) {
                Runtime.getRuntime().halt(ORPHANED_EXIT_STATUS);
            }
            try {
                Thread.sleep(period); // a periodic check, not a synchronization
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
