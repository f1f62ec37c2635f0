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
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;

/**
 * The {@code main} of a child JVM. Reads the {@link Bootstrap} from stdin, takes on the name and
 * parent it gives, starts the {@link ParentWatch}, connects back to the parent
 * ({@link ControlClient}), reads the target and runs it on the main thread, reports how it ended
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
        if (System.getProperty(SpareJvms.SPARE_PROPERTY) != null) {
            System.clearProperty(SpareJvms.SPARE_PROPERTY); // a spare's child sees what a cold child sees
            SpareWarmup.run();
            SpareReadiness.report(); // then waits for its bootstrap like any child
        }
        // A FileChannel, not System.in: its blocking read can be woken by close (see ParentWatch).
        FileChannel stdin = new FileInputStream(FileDescriptor.in).getChannel();
        Bootstrap bootstrap;
        try {
            bootstrap = ControlFrames.read(Channels.newInputStream(stdin), Bootstrap.parser(), ControlFrames.MAX_BOOTSTRAP_BYTES);
        } catch (IOException | RuntimeException e) {
            log().error("cannot read the bootstrap of this child JVM from stdin", e);
            Runtime.getRuntime().halt(EXIT_FAILED);
            return;
        }
        if (bootstrap == null) { // the parent died before it sent anything
            Runtime.getRuntime().halt(ParentWatch.ORPHANED_EXIT_STATUS);
            return;
        }
        bootstrap.getSystemPropertiesMap().forEach(System::setProperty);
        System.setIn(InputStream.nullInputStream());
        ParentWatch.start(stdin, bootstrap.getParentPid());
        ProcessIdentity.initChild(bootstrap.getProcessName(), bootstrap.getDaemon(),
                ProcessInfo.of(bootstrap.getParentName(), bootstrap.getParentPid(), bootstrap.getParentDaemon()),
                bootstrap.getProcessAuthkey().toByteArray());
        int status = run(bootstrap);
        System.out.flush();
        System.err.flush();
        System.exit(status);
    }

    private static int run(Bootstrap bootstrap) {
        String self = "process " + bootstrap.getProcessName() + " (pid " + ProcessHandle.current().pid() + ")";
        ControlClient control;
        try {
            control = ControlClient.connect(bootstrap);
        } catch (IOException | RuntimeException e) {
            log().error("{} cannot reach its parent {} (pid {}) on {}", self, bootstrap.getParentName(),
                    bootstrap.getParentPid(), bootstrap.getControlAddress(), e);
            return EXIT_FAILED;
        }
        Serializer serializer = Serializers.byName(bootstrap.getSerializer());
        Throwable failure = null;
        try {
            readTarget(bootstrap, serializer, self).run();
        } catch (Throwable t) {
            failure = t;
        }
        if (failure != null) {
            printUncaught(bootstrap.getProcessName(), failure);
        }
        try (control) {
            control.reportExit(failure, serializer);
        } catch (IOException e) {
            log().error("{} cannot report its exit to its parent", self, e);
        }
        awaitNonDaemonThreads();
        return failure == null ? EXIT_OK : EXIT_FAILED;
    }

    /** Waits until no non-daemon thread but this one is alive (threads may start others meanwhile). */
    private static void awaitNonDaemonThreads() {
        Thread self = Thread.currentThread();
        while (true) {
            Thread other = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t != self && !t.isDaemon() && t.isAlive())
                    .findFirst().orElse(null);
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

    private static ProcessTarget readTarget(Bootstrap bootstrap, Serializer serializer, String self) {
        Object target;
        try {
            target = serializer.deserialize(bootstrap.getTarget().toByteArray());
        } catch (RuntimeException e) {
            throw new SerializationException("cannot read the target of " + self + " (" + bootstrap.getTarget().size()
                    + " bytes): " + e.getMessage(), e);
        }
        if (!(target instanceof ProcessTarget t)) {
            throw new SerializationException("the target of " + self + " is a "
                    + (target == null ? "null" : target.getClass().getName()) + ", not a ProcessTarget");
        }
        return t;
    }
}
