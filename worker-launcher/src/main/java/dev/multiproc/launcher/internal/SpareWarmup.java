package dev.multiproc.launcher.internal;

import dev.multiproc.ProcessTarget;
import dev.multiproc.Serializer;
import dev.multiproc.launcher.pool.internal.WorkerLoop;
import dev.multiproc.launcher.pool.internal.WorkerWarmup;
import dev.multiproc.spi.Providers;
import dev.multiproc.spi.Serializers;
import dev.multiproc.spi.auth.Handshake;
import dev.multiproc.spi.log.Log;
import dev.multiproc.spi.process.PrivateDirectory;
import dev.multiproc.wire.Bootstrap;
import dev.multiproc.wire.Exit;
import dev.multiproc.wire.Hello;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectStreamClass;
import java.io.Serializable;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a spare JVM ({@link SpareJvms}) runs before it waits for its bootstrap: the path from
 * reading a bootstrap to the target's first message, on values like the real ones, enough times
 * for the JIT to compile the hot parts: protobuf's control messages, the authkey handshake's
 * HMAC, the serializer on the values targets capture (records, collections, strings, arrays,
 * lambdas, and a first lambda of each capture shape: {@link UserCodeWarmup}), the control channel
 * end to end ({@link ControlRehearsal}), logging, each handle resolver's own warm-up (the native
 * calls of pipe ends and futexes, a pipe end handed over; on {@code shm} a pipe and a queue of the
 * spare's own, removed afterwards) and a pool worker's task loop on maps and calls. It touches
 * nothing of the process's identity or state: a spare that becomes a child is exactly a child.
 */
final class SpareWarmup {
    /** Rounds of the serializer and the control messages: enough for C1 to compile them. */
    private static final int ROUNDS = 2_000;
    private static final long COMPILER_WAIT_MILLIS = 3_000;
    private static final long COMPILER_POLL_MILLIS = 20;

    private SpareWarmup() {
    }

    /** A record such as a target captures. */
    private record Sample(String name, int count, List<Integer> values, Map<String, Long> totals) implements Serializable {
    }

    /**
     * Runs the warm-up; a failed step only means a colder start.
     *
     * @return the steps that failed (empty when all ran)
     */
    static List<Exception> run() {
        return run(PrivateDirectory.defaultDirectory());
    }

    /**
     * Runs the warm-up; a failed step only means a colder start.
     *
     * @param socketDirectory where the rehearsed control channel's socket files go (the context's)
     * @return the steps that failed (empty when all ran)
     */
    static List<Exception> run(Path socketDirectory) {
        List<Exception> failed = new ArrayList<>();
        step(failed, SpareWarmup::controlMessages);
        step(failed, SpareWarmup::serializer);
        step(failed, SpareWarmup::handshake);
        step(failed, () -> ControlRehearsal.run(socketDirectory));
        step(failed, () -> Log.of(ChildMain.class).debug("spare JVM warmed up"));
        // Runtime.exit asks this logger whether to log the exit: found cold, it costs a child
        // about 10 ms at its exit (the JDK's logging set up on the way out)
        step(failed, () -> System.getLogger("java.lang.Runtime").isLoggable(System.Logger.Level.DEBUG));
        step(failed, Providers::warmUpHandleResolvers);
        step(failed, () -> UserCodeWarmup.readLambdaShapes(Serializers.byName(Serializers.nameOf(Serializer.standard()))));
        step(failed, () -> WorkerWarmup.run(Serializer.standard()));
        // the serialization descriptor of a pool worker's target (its fields, its constructor
        // for deserialization), which reading a WorkerLoop otherwise works out in the child
        step(failed, () -> ObjectStreamClass.lookup(WorkerLoop.class));
        awaitQuietCompiler();
        // The warm-up's garbage grew the heap (G1 starts at 1/64 of the machine's memory); a full
        // collection hands most of it back, so a waiting spare holds less memory (here: 83 MB
        // resident instead of 126 MB) and its child exits sooner (the kernel frees a process's
        // memory as it exits, about 0.1 ms per MB on this machine)
        System.gc();
        return failed;
    }

    /**
     * Waits (at most {@link #COMPILER_WAIT_MILLIS}) until the JIT has compiled what the warm-up
     * queued: a child that starts while the compiler is still busy pays for it twice, in CPU taken
     * from its first steps and in a slow exit (the JVM waits for compiler threads before it exits).
     */
    private static void awaitQuietCompiler() {
        CompilationMXBean compiler = ManagementFactory.getCompilationMXBean();
        if (compiler == null || !compiler.isCompilationTimeMonitoringSupported()) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(COMPILER_WAIT_MILLIS);
        long last = compiler.getTotalCompilationTime();
        int quiet = 0;
        while (quiet < 2 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(COMPILER_POLL_MILLIS); // a bounded poll of the JIT's activity, not a synchronization
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long now = compiler.getTotalCompilationTime();
            quiet = now == last ? quiet + 1 : 0;
            last = now;
        }
    }

    private interface Step {
        void run() throws IOException;
    }

    private static void step(List<Exception> failed, Step step) {
        try {
            step.run();
        } catch (IOException | RuntimeException e) {
            failed.add(e);
        }
    }

    private static void controlMessages() throws IOException {
        for (int i = 0; i < ROUNDS / 10; i++) {
            Bootstrap b = Bootstrap.newBuilder().setProcessName("spare").setParentPid(i).setParentName("MainProcess")
                    .setControlAddress("/tmp/spare.sock").putSystemProperties("multiproc.spare", "true").build();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ControlFrames.write(out, b);
            Bootstrap read = ControlFrames.read(new ByteArrayInputStream(out.toByteArray()), Bootstrap.parser(),
                    ControlFrames.MAX_BOOTSTRAP_BYTES);
            // the child's first steps read the properties map (parsed lazily, on first use)
            for (Map.Entry<String, String> p : read.getSystemPropertiesMap().entrySet()) {
                p.getKey().length();
            }
            Hello.parseFrom(Hello.newBuilder().setChildId(i).setPid(i).build().toByteArray());
            Exit.parseFrom(Exit.newBuilder().setKind(Exit.Kind.COMPLETED).build().toByteArray());
        }
    }

    private static void serializer() {
        Serializer serializer = Serializers.byName(Serializers.nameOf(Serializer.standard()));
        ProcessTarget target = () -> { };
        Sample sample = new Sample("warm", 3, List.of(1, 2, 3), Map.of("a", 1L));
        for (int i = 0; i < ROUNDS; i++) {
            serializer.deserialize(serializer.serialize(sample));
            serializer.deserialize(serializer.serialize(new byte[]{1, 2, 3}));
            serializer.deserialize(serializer.serialize("text " + i));
            if (i % 10 == 0) {
                serializer.deserialize(serializer.serialize(target));
            }
        }
    }

    private static void handshake() {
        byte[] key = new byte[32];
        for (int i = 0; i < ROUNDS / 10; i++) {
            byte[] challenge = Handshake.challenge();
            Handshake.verify(key, challenge, Handshake.answer(key, challenge));
        }
    }
}
