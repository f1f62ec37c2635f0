package dev.multiproc.launcher.internal;

import dev.multiproc.ProcessInfo;
import dev.multiproc.ProcessTarget;
import dev.multiproc.SerializationException;
import dev.multiproc.Serializer;
import dev.multiproc.spi.ProcessIdentity;
import dev.multiproc.spi.Serializers;
import dev.multiproc.spi.log.Log;
import dev.multiproc.wire.Bootstrap;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * The {@code main} of a child JVM. Starts the {@link ParentWatch}, reads the {@link Bootstrap}
 * from stdin, takes on the name and parent it gives, connects back to the parent
 * ({@link ControlClient}; a spare has connected while it waited), reads the target and runs it
 * on the main thread, reports how it ended
 * and exits: 0 if it returned, 1 if it threw (stack trace on stderr). {@code System.exit(n)} in
 * the target ends the JVM with n as usual. Like Python's {@code Process} (and a JVM's own
 * {@code main}), the child then waits for the non-daemon threads the target left running before
 * it exits; a child still exits at once when its parent dies ({@link ParentWatch}).
 */
public final class ChildMain {
    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;

    private ChildMain() {
    }

    /**
     * @param args unused: everything comes in the bootstrap on stdin
     */
    public static void main(String[] args) {
        if (System.getProperty(AotCache.TRAINING_PROPERTY) != null) {
            SpareWarmup.run(); // the start-up path, for the JVM to record in its AOT cache at exit
            System.exit(EXIT_OK);
        }
        // A FileChannel, not System.in: its blocking read can be woken by close (see ParentWatch).
        ParentWatch watch = ParentWatch.start(new FileInputStream(FileDescriptor.in).getChannel());
        System.setIn(InputStream.nullInputStream());
        ControlClient control = null;
        if (System.getProperty(SpareJvms.SPARE_PROPERTY) != null) {
            System.clearProperty(SpareJvms.SPARE_PROPERTY); // a spare's child sees what a cold child sees
            control = warmSpare(watch);
        }
        Bootstrap bootstrap;
        try {
            bootstrap = watch.next();
        } catch (IOException | RuntimeException e) {
            log().error("cannot read the bootstrap of this child JVM from stdin", e);
            Runtime.getRuntime().halt(EXIT_FAILED);
            return;
        }
        // a loop, not forEach(System::setProperty): a method reference's call site is linked (its
        // class spun) the first time it runs, which would be here, on a spare's way to its target
        // (3.5 ms measured)
        for (Map.Entry<String, String> p : bootstrap.getSystemPropertiesMap().entrySet()) {
            System.setProperty(p.getKey(), p.getValue());
        }
        ProcessIdentity.initChild(bootstrap.getProcessName(), bootstrap.getDaemon(),
                ProcessInfo.of(bootstrap.getParentName(), bootstrap.getParentPid(), bootstrap.getParentDaemon()),
                bootstrap.getProcessAuthkey().toByteArray());
        int status = run(bootstrap, control, watch);
        System.out.flush();
        System.err.flush();
        System.exit(status);
    }

    /**
     * A spare: reads where its parent waits for it, warms up ({@link SpareWarmup}), and then
     * connects its control channel, which tells the parent it is warm ({@link SpareJvms}).
     *
     * @return the connected control channel
     */
    private static ControlClient warmSpare(ParentWatch watch) {
        try {
            Bootstrap call = watch.next();
            SpareWarmup.run(Path.of(call.getControlAddress()).getParent());
            ControlClient control = ControlClient.connect(call);
            watch.connected();
            return control;
        } catch (IOException | RuntimeException e) {
            // a spare that cannot reach its parent is of no use; the parent sees it exit
            log().debug("spare JVM cannot reach its parent: {}", e.toString());
            Runtime.getRuntime().halt(EXIT_FAILED);
            return null;
        }
    }

    private static int run(Bootstrap bootstrap, ControlClient connected, ParentWatch watch) {
        ControlClient control = connected;
        if (control == null) {
            try {
                control = ControlClient.connect(bootstrap);
                watch.connected();
            } catch (IOException | RuntimeException e) {
                log().error("process {} (pid {}) cannot reach its parent {} (pid {}) on {}", bootstrap.getProcessName(),
                        ProcessHandle.current().pid(), bootstrap.getParentName(), bootstrap.getParentPid(),
                        bootstrap.getControlAddress(), e);
                return EXIT_FAILED;
            }
        }
        Serializer serializer = Serializers.byName(bootstrap.getSerializer());
        Throwable failure = null;
        try {
            readTarget(bootstrap, serializer).run();
        } catch (Throwable t) {
            failure = t;
        }
        if (failure != null) {
            printUncaught(bootstrap.getProcessName(), failure);
        }
        try (ControlClient c = control) {
            c.reportExit(failure, serializer);
        } catch (IOException e) {
            log().error("process {} (pid {}) cannot report its exit to its parent", bootstrap.getProcessName(),
                    ProcessHandle.current().pid(), e);
        }
        awaitNonDaemonThreads();
        return failure == null ? EXIT_OK : EXIT_FAILED;
    }

    /** Waits until no non-daemon thread but this one is alive (threads may start others meanwhile). */
    private static void awaitNonDaemonThreads() {
        Thread self = Thread.currentThread();
        ThreadGroup root = self.getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        while (true) {
            // enumerate, not Thread.getAllStackTraces(): no safepoint and no stack walk of every thread
            Thread[] threads = new Thread[root.activeCount() + 8];
            int n = root.enumerate(threads, true);
            Thread other = null;
            for (int i = 0; i < n && other == null; i++) {
                Thread t = threads[i];
                if (t != self && !t.isDaemon() && t.isAlive()) {
                    other = t;
                }
            }
            if (other == null) {
                return;
            }
            try {
                other.join();
            } catch (InterruptedException e) {
                return; // nobody interrupts the main thread of a child but to end it
            }
        }
    }

    /**
     * Prints the target's uncaught exception on this process's stderr, as Python's
     * {@code Process} does: part of the contract (DESIGN.md), so it goes to stderr whatever
     * logging the user configured, and reaches the parent's stderr through its output pump.
     */
    private static void printUncaught(String processName, Throwable failure) {
        System.err.println("Process " + processName + " (pid " + ProcessHandle.current().pid() + ") failed:");
        failure.printStackTrace();
    }

    /** The logger, created only when a diagnostic is logged, so a healthy child pays nothing at start-up. */
    private static Log log() {
        return Log.of(ChildMain.class);
    }

    private static ProcessTarget readTarget(Bootstrap bootstrap, Serializer serializer) {
        Object target;
        try {
            target = serializer.deserialize(bootstrap.getTarget().toByteArray());
        } catch (RuntimeException e) {
            throw new SerializationException("cannot read the target of " + self(bootstrap) + " ("
                    + bootstrap.getTarget().size() + " bytes): " + e.getMessage(), e);
        }
        if (!(target instanceof ProcessTarget t)) {
            throw new SerializationException("the target of " + self(bootstrap) + " is a "
                    + (target == null ? "null" : target.getClass().getName()) + ", not a ProcessTarget");
        }
        return t;
    }

    private static String self(Bootstrap bootstrap) {
        return "process " + bootstrap.getProcessName() + " (pid " + ProcessHandle.current().pid() + ")";
    }
}
