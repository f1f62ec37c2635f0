package dev.multiproc.launcher.internal;

import dev.multiproc.IpcException;
import dev.multiproc.IpcProcess;
import dev.multiproc.ProcessTarget;
import dev.multiproc.RemoteException;
import dev.multiproc.RemoteThrowable;
import dev.multiproc.spi.ContextServices;
import dev.multiproc.spi.ProcessIdentity;
import dev.multiproc.spi.RemoteErrors;
import dev.multiproc.spi.channel.EndHandover;
import dev.multiproc.spi.log.Log;
import dev.multiproc.wire.Bootstrap;
import dev.multiproc.wire.Exit;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A child JVM running a {@link ProcessTarget}: the {@link IpcProcess} of the launcher. Thread-safe.
 *
 * <p>{@link #start()} serializes the target, binds a {@link ControlListener}, starts
 * {@link ChildMain} with the {@link LaunchSpec} and writes the {@link Bootstrap} on the child's
 * stdin, which then stays open: its end of file tells the child that this JVM is gone. One
 * monitor thread per child ({@code multiproc-process-<name>}) authenticates the child's
 * connect-back, reads the {@link Exit} it reports, reaps it and then completes {@link #onExit()},
 * after the exit code and the failure are known and its output has been copied.
 *
 * <p>A pool starts its workers the same way, with its own JVM options:
 * {@code new ChildProcess(services, name, target, LaunchSpec.inherited().withJvmOptions(options.jvmOptions()))}.
 */
public final class ChildProcess implements IpcProcess, StopPolicy.Stoppable {
    private static final Log LOG = Log.of(ChildProcess.class);
    private static final AtomicInteger NAME_COUNTER = new AtomicInteger();
    private static final AtomicLong CHILD_IDS = new AtomicLong();
    private static final Duration OUTPUT_DRAIN = Duration.ofSeconds(1);
    private static final String NAME_PREFIX = "Process-";
    /** The remote class name of {@link #failure()} when the JVM exited before it ran its target. */
    private static final String START_FAILURE = "JVM start-up failure";

    private final ContextServices services;
    private final String name;
    private final ProcessTarget target;
    private final LaunchSpec spec;
    private final long childId = CHILD_IDS.incrementAndGet();
    private final CompletableFuture<IpcProcess> exited = new CompletableFuture<>();
    private final Object startLock = new Object();
    private volatile boolean daemon = ProcessIdentity.current().isDaemon();
    private volatile Process process;
    private volatile int signalSent;
    private volatile OptionalInt exitCode = OptionalInt.empty();
    private volatile RemoteException failure;
    /** The pipe ends in the target, closed here if the child exits without taking them. */
    private volatile EndHandover ends;
    /** Whether the child connected its control channel (it then ran, or tried to run, its target). */
    private volatile boolean connected;
    private volatile ContextChildren owner;
    private volatile StreamPump stderr;

    /**
     * @param services the context that starts it (settings, serializer, close hook)
     * @param name     the name, or null for the next {@code Process-N} of this JVM
     * @param target   what the child runs
     * @param spec     how the child JVM is started
     */
    public ChildProcess(ContextServices services, String name, ProcessTarget target, LaunchSpec spec) {
        this.services = Objects.requireNonNull(services, "services");
        this.target = Objects.requireNonNull(target, "target");
        this.spec = Objects.requireNonNull(spec, "spec");
        this.name = name != null ? name : NAME_PREFIX + NAME_COUNTER.incrementAndGet();
    }

    @Override
    public IpcProcess start() {
        synchronized (startLock) {
            if (process != null) {
                throw new IllegalStateException("process " + name + " was already started (pid " + process.pid() + ")");
            }
            if (daemon && ChildRegistry.isExiting()) {
                throw new IllegalStateException("this JVM is exiting: daemon process " + name + " is not started");
            }
            List<EndHandover> handover = new ArrayList<>(1);
            byte[] targetBytes = EndHandover.recording(() -> services.serializer().serialize(target), handover);
            ends = handover.getFirst();
            ContextChildren children = ContextChildren.of(services);
            List<String> command = spec.childCommand(services.settings().jvmOptions());
            SpareJvms.Spare spare = SpareJvms.of(services).take(command);
            Process p;
            StreamPump out;
            StreamPump err;
            ControlListener listener;
            if (spare != null) { // a JVM of this very command, warm, connected and waiting for a bootstrap
                p = spare.process();
                out = spare.out();
                err = spare.err();
                listener = spare.control();
                out.rename("multiproc-stdout-" + name);
                err.rename("multiproc-stderr-" + name);
            } else {
                Process started = null;
                try {
                    started = new ProcessBuilder(command).start();
                    // after the JVM started: its socket file is made just before the bootstrap that
                    // names it (the child deletes it if this JVM dies before the child is in)
                    listener = ControlListener.open(services.settings().socketDirectory(), childId);
                } catch (IOException | RuntimeException e) {
                    if (started != null) {
                        started.toHandle().destroyForcibly();
                    }
                    ends.receiverGone(name);
                    throw new IpcException("cannot start the JVM of process " + name + " with " + command + ": " + e, e);
                }
                p = started;
                // Output first: a child that writes before it reads its bootstrap must not block us.
                out = StreamPump.start(p.getInputStream(), () -> System.out, "multiproc-stdout-" + name);
                err = StreamPump.start(p.getErrorStream(), () -> System.err, "multiproc-stderr-" + name);
            }
            process = p;
            owner = children;
            ChildRegistry.add(this);
            stderr = err;
            // the bootstrap first, the monitor after: the child (a spare especially) gets going
            // while this thread starts the monitor, which only waits for what the child reports
            writeBootstrap(p, listener, targetBytes);
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            Thread.ofPlatform().name("multiproc-process-" + name).daemon(true)
                    .start(() -> monitor(p, listener, out, err, loader));
            p.onExit().thenRun(listener::abandon);
            children.add(this); // last: if the context closed meanwhile, this stops the child at once
            LOG.debug("started {} (pid {}{}): {}", name, p.pid(), spare != null ? ", a warm spare" : "", command);
        }
        return this;
    }

    private void writeBootstrap(Process p, ControlListener listener, byte[] targetBytes) {
        Bootstrap bootstrap = Bootstraps.of(name, daemon, listener, targetBytes, services, childId);
        try {
            OutputStream stdin = p.getOutputStream();
            ControlFrames.write(stdin, bootstrap);
        } catch (IOException e) {
            // The child died before reading it (e.g. a bad JVM option); its exit code tells the story.
            LOG.debug("cannot write the bootstrap of {} (pid {}): {}", name, p.pid(), e.toString());
        }
    }

    private void monitor(Process p, ControlListener listener, StreamPump out, StreamPump err, ClassLoader loader) {
        Thread.currentThread().setContextClassLoader(loader);
        Exit exit = null;
        try {
            exit = readExit(p, listener);
            int raw = waitUninterruptibly(p);
            awaitOutput(out, err);
            closeStdin(p);
            exitCode = OptionalInt.of(ExitCodes.toExitCode(raw, exit != null, signalSent));
            if (exit != null && exit.getKind() == Exit.Kind.FAILED) {
                failure = RemoteErrors.toRemoteException(exit.getError(), services.serializer());
            } else if (!connected && exitCode.getAsInt() != 0 && signalSent == 0) {
                failure = startFailure(p.pid(), exitCode.getAsInt(), err.tail());
                LOG.warn("{}", failure.getMessage());
            }
            LOG.debug("{} (pid {}) exited with {} (raw {})", name, p.pid(), exitCode.getAsInt(), raw);
        } catch (RuntimeException | Error e) {
            LOG.error("monitor of process {} (pid {}) failed", name, p.pid(), e);
            if (exitCode.isEmpty()) {
                exitCode = OptionalInt.of(ExitCodes.toExitCode(waitUninterruptibly(p), exit != null, signalSent));
            }
        } finally {
            ends.receiverGone(name); // before exited completes: a joiner then finds them closed
            exited.complete(this); // first: isAlive() is false from here on (see ContextChildren.add)
            ChildRegistry.remove(this);
            ContextChildren o = owner;
            if (o != null) {
                o.remove(this);
            }
        }
    }

    private Exit readExit(Process p, ControlListener listener) {
        try (listener) {
            SocketChannel channel = listener.awaitChild(p.pid());
            if (channel == null) {
                return null;
            }
            connected = true;
            try (channel) {
                return ControlFrames.read(Channels.newInputStream(channel), Exit.parser(), ControlFrames.MAX_EXIT_BYTES);
            } catch (IOException e) {
                LOG.debug("control channel of {} (pid {}) ended without an Exit: {}", name, p.pid(), e.toString());
                return null;
            }
        }
    }

    private RemoteException startFailure(long pid, int code, String stderrTail) {
        String message = "the JVM of process " + name + " exited with " + code + " before it ran its target"
                + (stderrTail.isBlank() ? " and wrote nothing on stderr" : "; its stderr ended with: " + stderrTail.strip());
        return new RemoteException(START_FAILURE, message, name, pid,
                new RemoteThrowable(START_FAILURE, message, new StackTraceElement[0], null));
    }

    private static int waitUninterruptibly(Process p) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return p.waitFor();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void awaitOutput(StreamPump out, StreamPump err) {
        try {
            long deadline = System.nanoTime() + OUTPUT_DRAIN.toNanos();
            boolean complete = out.awaitEnd(OUTPUT_DRAIN)
                    & err.awaitEnd(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            if (!complete) {
                LOG.debug("output of {} still open {} after it exited (a process it started holds it?)", name, OUTPUT_DRAIN);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeStdin(Process p) {
        try {
            p.getOutputStream().close();
        } catch (IOException e) {
            LOG.debug("closing stdin of {}: {}", name, e.toString());
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long pid() {
        return started("pid").pid();
    }

    @Override
    public boolean isDaemon() {
        return daemon;
    }

    @Override
    public void setDaemon(boolean daemon) {
        synchronized (startLock) {
            if (process != null) {
                throw new IllegalStateException("cannot set the daemon flag of process " + name
                        + " after it started (pid " + process.pid() + ")");
            }
            this.daemon = daemon;
        }
    }

    @Override
    public boolean isAlive() {
        return process != null && !exited.isDone();
    }

    @Override
    public void join() throws InterruptedException {
        started("join");
        try {
            exited.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("monitor of process " + name + " failed", e.getCause());
        }
    }

    @Override
    public boolean join(Duration timeout) throws InterruptedException {
        started("join");
        if (exited.isDone()) {
            return true;
        }
        long nanos = timeout.toNanos();
        if (nanos <= 0) {
            return false;
        }
        try {
            exited.get(nanos, TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("monitor of process " + name + " failed", e.getCause());
        }
    }

    /**
     * @return the last lines the child wrote to its stderr (at most 2 KiB), complete once it has
     *         exited and {@link #join} returned; empty before it started
     */
    public String stderrTail() {
        StreamPump err = stderr;
        return err == null ? "" : err.tail();
    }

    @Override
    public OptionalInt exitCode() {
        return exitCode;
    }

    @Override
    public void terminate() {
        signal(ExitCodes.SIGTERM);
    }

    @Override
    public void kill() {
        signal(ExitCodes.SIGKILL);
    }

    private void signal(int signal) {
        Process p = started(signal == ExitCodes.SIGKILL ? "kill" : "terminate");
        if (!p.isAlive()) {
            return;
        }
        if (signalSent != ExitCodes.SIGKILL) {
            signalSent = signal;
        }
        // The handle's signals, not Process.destroy(): that also closes the child's stdin (which the
        // child takes for its parent's death, and then exits with 1) and the pipes of its output.
        if (signal == ExitCodes.SIGKILL) {
            p.toHandle().destroyForcibly();
        } else {
            p.toHandle().destroy();
        }
    }

    /** Asks the child to stop: SIGTERM ({@link StopPolicy}). */
    @Override
    public void ask() {
        terminate();
    }

    /** Forces the child to stop: SIGKILL ({@link StopPolicy}). */
    @Override
    public void force() {
        kill();
    }

    @Override
    public CompletableFuture<?> exited() {
        return exited;
    }

    @Override
    public CompletableFuture<IpcProcess> onExit() {
        return exited.copy();
    }

    @Override
    public Optional<RemoteException> failure() {
        return Optional.ofNullable(failure);
    }

    private Process started(String operation) {
        Process p = process;
        if (p == null) {
            throw new IllegalStateException("cannot " + operation + " process " + name + ": it was not started");
        }
        return p;
    }

    @Override
    public String toString() {
        Process p = process;
        String state = p == null ? "initial" : exitCode.isPresent() ? "exitcode=" + exitCode.getAsInt() : "started";
        return "IpcProcess[name=" + name + (p == null ? "" : ", pid=" + p.pid()) + ", " + state
                + (daemon ? ", daemon" : "") + "]";
    }
}
