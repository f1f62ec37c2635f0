package dev.multiproc.launcher.internal;

import dev.multiproc.spi.ContextSettings;
import dev.multiproc.spi.process.ExitHooks;
import dev.multiproc.spi.process.OwnedFiles;
import dev.multiproc.wire.Bootstrap;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.SynchronousQueue;

/**
 * Owns a child JVM's stdin: reads the parent's control frames from it ({@link #next()}), and
 * makes the JVM exit when its parent dies, even by SIGKILL: the parent holds the write end of
 * the child's stdin and never closes it while alive, so end of file on stdin means the parent is
 * gone ({@code multiproc-parent-watch}). As a backup, {@code multiproc-parent-check} looks every
 * {@value #CHECK_MILLIS} ms whether this process was re-parented (its parent pid changed).
 * Either way the child halts at once, without shutdown hooks: its own children notice in turn.
 * Before it halts it deletes the socket files nobody else is left to delete: the one its parent
 * made for it, if it was not in yet, those it made itself ({@link #deleteIfOrphaned}), and every
 * segment and socket file named as its own in the shm and socket directories
 * ({@link OwnedFiles#removeOwn}).
 * Started first thing in {@code main}, so a spare that waits for its target already watches.
 *
 * <p>The parent writes a spare's call (where to connect while warm) and then the bootstrap, or
 * only the bootstrap to a cold child; nothing after the bootstrap, which ends the frames read
 * here (anything later is discarded).
 *
 * <p>At a normal exit the last exit step ({@link ExitHooks.Phase#RELEASE}) closes stdin: a thread
 * blocked in a native read would otherwise hold up the JVM's exit by 300 ms (HotSpot waits that
 * long for threads in native code before it exits).
 */
final class ParentWatch {
    /** Exit status of a child whose parent is gone (nobody is left to read it). */
    static final int ORPHANED_EXIT_STATUS = 1;
    private static final long CHECK_MILLIS = 500;
    /**
     * How long the backup check, finding the parent gone, lets the stdin watcher finish first: the
     * watcher reads what the parent wrote before it died (a call naming a socket file this JVM must
     * delete) and then meets end of file at once.
     */
    private static final Duration WATCHER_GRACE = Duration.ofSeconds(1);

    /**
     * Files this JVM deletes if it halts because its parent died: those it made itself (a spare's
     * rehearsed control sockets, {@link ControlRehearsal}), and the socket file its parent made
     * for it until it is in.
     */
    private static final Set<Path> OWN_FILES = ConcurrentHashMap.newKeySet();

    /** A frame read, or why none could be. */
    private record Read(Bootstrap frame, IOException failure) {
    }

    private final FileChannel stdin;
    private final SynchronousQueue<Read> frames = new SynchronousQueue<>();
    /** The socket file a spare's call or a cold child's bootstrap named, in {@link #OWN_FILES} until this JVM is in. */
    private volatile Path controlFile;
    /** Whether the control channel is in (a spare-made child's bootstrap then names a file long gone). */
    private volatile boolean controlIn;

    private ParentWatch(FileChannel stdin) {
        this.stdin = stdin;
    }

    /**
     * @param stdin this JVM's stdin, not yet read
     * @return the watch, its threads started
     */
    static ParentWatch start(FileChannel stdin) {
        ParentWatch watch = new ParentWatch(stdin);
        ExitHooks.register(ExitHooks.Phase.RELEASE, watch::closeStdin);
        long parentPid = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
        Thread watcher = Thread.ofPlatform().name("multiproc-parent-watch").daemon(true).start(watch::watchStdin);
        Thread.ofPlatform().name("multiproc-parent-check").daemon(true).start(() -> watch.checkParent(parentPid, watcher));
        return watch;
    }

    /**
     * Waits for the parent's next control frame.
     *
     * @return the frame (a spare's call, or the bootstrap: one with a process name)
     * @throws IOException if stdin held something else than a frame
     */
    Bootstrap next() throws IOException {
        Read read;
        try {
            read = frames.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the parent's bootstrap", e);
        }
        if (read.failure() != null) {
            throw read.failure();
        }
        return read.frame();
    }

    /** @param file deleted if this JVM halts as an orphan before {@link #keep} is called for it */
    static void deleteIfOrphaned(Path file) {
        OWN_FILES.add(file);
    }

    /** @param file a file given to {@link #deleteIfOrphaned} that is gone or no longer this JVM's to delete */
    static void keep(Path file) {
        OWN_FILES.remove(file);
    }

    /** The control channel is in: the parent has deleted the socket file its frame named. */
    void connected() {
        controlIn = true;
        Path file = controlFile;
        if (file != null) {
            keep(file);
        }
    }

    /** The parent is gone: nobody is left to read an exit status, or to clean up after this JVM. */
    private void orphaned() {
        for (Path f : List.copyOf(OWN_FILES)) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException | RuntimeException e) {
                // a later sweep removes it (its name names its dead owner)
            }
        }
        // and the segments and sockets it made, e.g. a spare's warm-up pipe and queue: nobody
        // else can use them once this JVM is gone, and no exit step runs after a halt
        ContextSettings settings = ContextSettings.process();
        OwnedFiles.removeOwn(settings.shmDirectory());
        OwnedFiles.removeOwn(settings.socketDirectory());
        Runtime.getRuntime().halt(ORPHANED_EXIT_STATUS);
    }

    private void closeStdin() {
        try {
            stdin.close(); // wakes the watcher, which then returns quietly
        } catch (IOException e) {
            // Exiting anyway.
        }
    }

    private void watchStdin() {
        try {
            InputStream in = Channels.newInputStream(stdin);
            Bootstrap frame;
            do {
                try {
                    frame = ControlFrames.read(in, Bootstrap.parser(), ControlFrames.MAX_BOOTSTRAP_BYTES);
                } catch (ClosedChannelException closedAtExit) {
                    throw closedAtExit;
                } catch (IOException e) {
                    frames.put(new Read(null, e));
                    return; // main reports it and exits
                }
                if (frame == null) {
                    break; // end of file: the parent is gone
                }
                if (!controlIn && !frame.getControlAddress().isEmpty()) {
                    // a spare's call, or a cold child's bootstrap: the parent deletes that socket
                    // file once this JVM is in, and this JVM must if the parent dies first (set
                    // before anyone can see the frame)
                    controlFile = Path.of(frame.getControlAddress());
                    deleteIfOrphaned(controlFile);
                }
                frames.put(new Read(frame, null));
            } while (frame.getProcessName().isEmpty());
            ByteBuffer discard = ByteBuffer.allocate(256);
            while (stdin.read(discard.clear()) >= 0) {
                // The parent writes nothing after the bootstrap; anything else is ignored.
            }
        } catch (ClosedChannelException closedAtExit) { // incl. AsynchronousCloseException
            return; // this JVM is exiting: closed by the shutdown hook
        } catch (IOException e) {
            // A broken pipe means the same as end of file: the parent is gone.
        } catch (InterruptedException e) {
            return; // nobody interrupts this thread
        }
        orphaned();
    }

    private void checkParent(long parentPid, Thread watcher) {
        Duration period = Duration.ofMillis(CHECK_MILLIS);
        try {
            while (true) {
                Optional<ProcessHandle> parent = ProcessHandle.current().parent();
                if (parent.isEmpty() || parent.get().pid() != parentPid || !parent.get().isAlive()) {
                    watcher.join(WATCHER_GRACE); // usually halts this JVM itself, after it read all frames
                    orphaned();
                }
                Thread.sleep(period); // a periodic check, not a synchronization
            }
        } catch (InterruptedException e) {
            // nobody interrupts this thread
        }
    }
}
