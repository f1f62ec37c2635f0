package dev.multiproc.launcher.pool.internal;

import com.google.protobuf.ByteString;
import dev.multiproc.ConnectionClosedException;
import dev.multiproc.SerializableCallable;
import dev.multiproc.SerializableFunction;
import dev.multiproc.Serializer;
import dev.multiproc.wire.Task;
import dev.multiproc.wire.TaskBatch;
import dev.multiproc.wire.WorkerReport;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The pool worker's part of a spare JVM's warm-up: a {@link WorkerRuntime} runs batches of
 * small maps over an in-memory channel, as a worker's first {@code map} would, so that a spare
 * that becomes a pool worker starts with its task loop, task decoding and result encoding
 * compiled. Its reports are read back and dropped.
 */
public final class WorkerWarmup {
    private static final int BATCHES = 300;
    private static final int ITEMS = 64;

    private WorkerWarmup() {
    }

    /**
     * Runs the warm-up.
     *
     * @param serializer the serializer workers use
     * @throws IllegalStateException if it fails (the spare is then only colder)
     */
    public static void run(Serializer serializer) {
        // Several functions and input types, not one: code the JIT compiled having seen a single
        // function class (or only Integer inputs) would trap and be recompiled when the user's
        // function, or another value type, first comes.
        List<SerializableFunction<Object, Object>> functions = List.of(x -> x, x -> x.hashCode(), String::valueOf);
        List<List<Object>> inputSets = List.of(List.of(1, 2, 3), List.of(1L, 2L), List.of("a", "bb"), List.of(1.5, 2.5));
        List<ByteString> fns = new ArrayList<>();
        for (SerializableFunction<Object, Object> f : functions) {
            fns.add(ByteString.copyFrom(serializer.serialize(f)));
        }
        long seed = System.nanoTime();
        ByteString callable = ByteString.copyFrom(serializer.serialize((SerializableCallable<Object>) () -> seed * 31));
        List<ByteString> packedSets = new ArrayList<>();
        for (List<Object> values : inputSets) {
            PackedValues.Writer inputs = new PackedValues.Writer(ITEMS * 16);
            for (int i = 0; i < ITEMS; i++) {
                inputs.add(serializer.serialize(values.get(i % values.size())));
            }
            packedSets.add(ByteString.copyFrom(inputs.toByteArray()));
        }
        TaskChannel channel = new TaskChannel() {
            private int sent;

            @Override
            public byte[] receive() {
                if (sent == BATCHES) {
                    throw new ConnectionClosedException("warm-up done");
                }
                sent++;
                int f = sent % fns.size();
                Task task = sent % 3 == 0 // an apply()'s task: a callable that travels with its task
                        ? Task.newBuilder().setTaskId(sent).setCallable(true).setFunction(callable).build()
                        : Task.newBuilder().setTaskId(sent).setFunction(fns.get(f)).setFunctionId(f + 1)
                        .setPackedInputs(packedSets.get(sent % packedSets.size())).build();
                return TaskBatch.newBuilder().addTasks(task).build().toByteArray();
            }

            @Override
            public void send(byte[] frame) {
                try {
                    WorkerReport.parseFrom(frame);
                } catch (IOException e) {
                    throw new IllegalStateException("warm-up report unreadable", e);
                }
            }
        };
        try {
            new WorkerRuntime(channel, serializer).run(null);
        } catch (Exception e) {
            throw new IllegalStateException("the pool worker's warm-up failed", e);
        }
    }
}
