package dev.multiproc.launcher.internal;

import com.google.protobuf.ByteString;
import dev.multiproc.ProcessInfo;
import dev.multiproc.spi.ContextServices;
import dev.multiproc.spi.ContextSettings;
import dev.multiproc.spi.ProcessIdentity;
import dev.multiproc.spi.log.Log;
import dev.multiproc.spi.process.OwnedFiles;
import dev.multiproc.spi.wait.Timers;
import dev.multiproc.wire.Bootstrap;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The warm spare JVMs of one context: child JVMs started ahead with exactly the command a child
 * would get, which load and compile the library's start-up path ({@link SpareWarmup}), connect
 * their control channel back to this JVM (which marks them warm) and then wait, using no CPU, for
 * a bootstrap on their stdin. The control channel is kept for the child a spare becomes, so a
 * hand-over is one frame on the spare's stdin. {@code start()} hands its bootstrap to a
 * spare of the same command instead of starting a JVM, and a new spare starts behind it. A spare
 * is a {@link ChildMain} that has not been told who it is: until then it is nobody's child (not
 * in {@code activeChildren()}), and it exits when this JVM dies, like any child (end of its
 * stdin), deleting its socket file if it was not in yet ({@link ParentWatch}; at a normal exit
 * {@link ControlListener} deletes the files of those still warming). The context's close kills
 * the spares left; a spare launched as it closes is killed once launched. Thread-safe.
 */
public final class SpareJvms implements AutoCloseable {
    private static final Log LOG = Log.of(SpareJvms.class);
    /** System property that makes a {@link ChildMain} warm up before it reads its bootstrap. */
    static final String SPARE_PROPERTY = "multiproc.spare";
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);
    /** How long after a hand-over (or a cold start) the next spare starts, at the soonest. */
    static final Duration REPLENISH_DELAY = Duration.ofMillis(250);
    /** A spare starts once this many CPUs' worth were idle over the last {@link #REPLENISH_DELAY}. */
    static final double MIN_IDLE_CPUS = 0.5;
    /** Busy checks after which a spare starts all the same. */
    static final int MAX_BUSY_CHECKS = 40;
    private static final Map<ContextServices, SpareJvms> BY_CONTEXT = Collections.synchronizedMap(new WeakHashMap<>());

    private static final AtomicLong SPARE_IDS = new AtomicLong();

    private final int perCommand;
    private final Path socketDirectory;
    private final Path shmDirectory;
    private final SpareReadiness readiness = new SpareReadiness();
    /** Spares ready or starting, by the command a child of theirs would have (guarded by this). */
    private final Map<List<String>, ArrayDeque<Spare>> ready = new HashMap<>();
    private final Map<List<String>, Integer> starting = new HashMap<>();
    private boolean closed;

    /**
     * A started spare: its process, the pumps already copying its output, and the listener its
     * control channel connects to once it is warm (and which then holds that channel).
     *
     * @param process the spare's JVM
     * @param out     the pump of its stdout
     * @param err     the pump of its stderr
     * @param control its control channel's listener
     */
    record Spare(Process process, StreamPump out, StreamPump err, ControlListener control) {
    }

    private SpareJvms(int perCommand, Path socketDirectory, Path shmDirectory) {
        this.perCommand = perCommand;
        this.socketDirectory = socketDirectory;
        this.shmDirectory = shmDirectory;
    }

    /**
     * @param services a context
     * @return its spares, registered with the context's close on first use
     */
    static SpareJvms of(ContextServices services) {
        synchronized (BY_CONTEXT) {
            SpareJvms existing = BY_CONTEXT.get(services);
            if (existing != null) {
                return existing;
            }
            SpareJvms created = new SpareJvms(services.settings().spares(), services.settings().socketDirectory(),
                    services.settings().shmDirectory());
            services.onClose(created); // throws IllegalStateException if the context is closed
            BY_CONTEXT.put(services, created);
            return created;
        }
    }

    /**
     * Starts a spare for a default child of the context if none is there, and waits until one is warm.
     *
     * @param services the context
     * @param timeout  the longest wait
     * @return whether a warm spare waits (false when the context keeps none)
     * @throws InterruptedException if interrupted while waiting
     */
    public static boolean awaitWarm(ContextServices services, Duration timeout) throws InterruptedException {
        return of(services).awaitWarm(LaunchSpec.inherited().childCommand(services.settings().jvmOptions()), timeout);
    }

    /**
     * Takes a live spare that runs {@code command}, and starts another behind it.
     *
     * @param command the command a cold child would be started with
     * @return the spare, or null if none is ready (the caller starts a JVM; one is started behind it)
     */
    Spare take(List<String> command) {
        Spare spare = null;
        synchronized (this) {
            ArrayDeque<Spare> queue = ready.get(command);
            if (queue != null) {
                queue.removeIf(s -> !s.process().isAlive());
                for (Spare s : queue) {
                    if (readiness.isReady(s.process().pid())) { // one still warming stays for later
                        spare = s;
                        break;
                    }
                }
                if (spare != null) {
                    queue.remove(spare);
                    readiness.forget(spare.process().pid());
                }
            }
        }
        replenish(command);
        return spare;
    }

    /**
     * Starts a spare of {@code command} if none is there, and waits until one is warm.
     *
     * @param command the command a cold child would be started with
     * @param timeout the longest wait
     * @return whether a warm spare waits (false when spares are off)
     * @throws InterruptedException if interrupted while waiting
     */
    boolean awaitWarm(List<String> command, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        replenishNow(command);
        while (System.nanoTime() - deadline < 0) {
            Spare candidate;
            synchronized (this) {
                if (closed || perCommand == 0) {
                    return false;
                }
                ArrayDeque<Spare> queue = ready.get(command);
                candidate = queue == null ? null : queue.stream().filter(s -> s.process().isAlive()).findFirst().orElse(null);
                if (candidate != null && readiness.isReady(candidate.process().pid())) {
                    return true;
                }
            }
            if (candidate != null) {
                readiness.awaitReady(candidate.process().pid(), deadline);
            } else {
                Thread.sleep(10); // a bounded poll while the spare's JVM is being started
            }
        }
        return false;
    }

    /** Starts spares in the background, soon, until {@link #perCommand} of {@code command} are ready or starting. */
    private void replenish(List<String> command) {
        replenish(command, REPLENISH_DELAY);
    }

    private void replenishNow(List<String> command) {
        replenish(command, Duration.ZERO);
    }

    private void replenish(List<String> command, Duration delay) {
        int more;
        synchronized (this) {
            if (closed) {
                return;
            }
            int have = ready.getOrDefault(command, new ArrayDeque<>()).size() + starting.getOrDefault(command, 0);
            more = perCommand - have;
            if (more <= 0) {
                return;
            }
            starting.merge(command, more, Integer::sum);
        }
        Runnable start = () -> Thread.ofPlatform().name("multiproc-spare-starter").daemon(true)
                .start(() -> startOne(command));
        for (int i = 0; i < more; i++) {
            if (delay.isZero()) {
                start.run();
            } else {
                // later, not at once, and when a CPU is free: on a machine of few CPUs a JVM starting
                // beside the user's children would take the CPU they need (a pipeline on two CPUs
                // ran 30 % slower with a spare warming up beside it). The first sample of the CPU
                // is taken on the timer's thread: reading /proc/stat here would delay the hand-over
                // that called this (by about 1 ms)
                Timers.after(Duration.ZERO, () -> whenIdle(start, CpuIdle.sample(), 0));
            }
        }
    }

    private void whenIdle(Runnable start, long[] before, int checks) {
        Timers.after(REPLENISH_DELAY, () -> {
            long[] now = CpuIdle.sample();
            boolean idle = before == null || now == null
                    || CpuIdle.idleCpus(before, now, Runtime.getRuntime().availableProcessors()) >= MIN_IDLE_CPUS;
            if (idle || checks >= MAX_BUSY_CHECKS || isClosed()) {
                start.run();
            } else {
                whenIdle(start, now, checks + 1);
            }
        });
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    private void startOne(List<String> command) {
        Spare spare = null;
        synchronized (this) {
            if (closed) {
                starting.merge(command, -1, Integer::sum);
                return;
            }
        }
        try {
            spare = launch(command);
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot start a spare JVM with {}: {}", command, e.toString());
        }
        boolean keep;
        synchronized (this) {
            starting.merge(command, -1, Integer::sum);
            keep = spare != null && !closed;
            if (keep) {
                ready.computeIfAbsent(command, k -> new ArrayDeque<>()).add(spare);
            }
        }
        if (spare != null && !keep) {
            kill(List.of(spare));
        }
    }

    /**
     * Starts a spare JVM and sends it its call (a {@link Bootstrap} without a process name: where
     * to connect, with which key). Once it has warmed up it connects; its control thread then
     * marks it ready and ends.
     */
    private Spare launch(List<String> command) throws IOException {
        List<String> spareCommand = new ArrayList<>(command);
        spareCommand.add(1, "-D" + SPARE_PROPERTY + "=true");
        Process p = new ProcessBuilder(spareCommand).start();
        ControlListener listener;
        try {
            // after the JVM started: the socket file is made just before the call that names it
            // (the spare deletes it if this JVM dies before the spare is in)
            listener = ControlListener.open(socketDirectory, SPARE_IDS.incrementAndGet());
        } catch (RuntimeException e) {
            p.toHandle().destroyForcibly();
            throw e;
        }
        long pid = p.pid();
        ProcessInfo self = ProcessIdentity.current();
        try { // next, before anything else: until the spare has read the call, the file is only this JVM's to delete
            ControlFrames.write(p.getOutputStream(), Bootstrap.newBuilder().setParentName(self.name())
                    .setParentPid(self.pid()).setChildId(listener.childId()).setControlAddress(listener.path().toString())
                    .setAuthkey(ByteString.copyFrom(listener.authkey())).build());
        } catch (IOException e) {
            LOG.debug("spare JVM (pid {}) exited before its call: {}", pid, e.toString());
        }
        Spare spare = new Spare(p, StreamPump.start(p.getInputStream(), () -> System.out, "multiproc-stdout-spare-" + pid),
                StreamPump.start(p.getErrorStream(), () -> System.err, "multiproc-stderr-spare-" + pid), listener);
        p.onExit().thenRun(listener::abandon);
        Thread.ofPlatform().daemon().name("multiproc-spare-control-" + pid).start(() -> {
            if (listener.awaitChild(pid) != null) {
                readiness.ready(pid);
            }
        });
        return spare;
    }

    /** Kills the spares left; later takes find none. */
    @Override
    public void close() {
        List<Spare> all = new ArrayList<>();
        synchronized (this) {
            closed = true;
            ready.values().forEach(all::addAll);
            ready.clear();
        }
        readiness.close();
        kill(all);
    }

    private void kill(List<Spare> spares) {
        for (Spare s : spares) {
            s.process().toHandle().destroyForcibly();
            s.control().abandon();
        }
        for (Spare s : spares) {
            try {
                if (!s.process().waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn("spare JVM (pid {}) did not exit {} after SIGKILL", s.process().pid(), KILL_WAIT);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (!spares.isEmpty()) {
            // a spare killed while it rehearsed its control channel leaves that socket file, and
            // one killed in its shm warm-up a pipe or queue file (in the shm directory of its
            // own settings, which come from this JVM's command line, and so may not be the
            // context's)
            OwnedFiles.sweep(socketDirectory, ControlListener.KIND);
            OwnedFiles.sweepAll(ContextSettings.process().shmDirectory());
            if (!shmDirectory.equals(ContextSettings.process().shmDirectory())) {
                OwnedFiles.sweepAll(shmDirectory);
            }
        }
    }
}
