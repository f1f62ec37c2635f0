package dev.multiproc.launcher.pool.internal;

import com.google.protobuf.ByteString;
import dev.multiproc.ConnectionClosedException;
import dev.multiproc.SerializableFunction;
import dev.multiproc.Serializer;
import dev.multiproc.wire.Task;
import dev.multiproc.wire.TaskBatch;
import dev.multiproc.wire.WorkerReport;

import java.io.IOException;

/**
 * The pool worker's part of a spare JVM's warm-up: a {@link WorkerRuntime} runs batches of a
 * small map over an in-memory channel, as a worker's first {@code map} would, so that a spare
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
        SerializableFunction<Integer, Integer> square = x -> x * x;
        byte[] function = serializer.serialize(square);
        PackedValues.Writer inputs = new PackedValues.Writer(ITEMS * 16);
        for (int i = 0; i < ITEMS; i++) {
            inputs.add(serializer.serialize(i));
        }
        ByteString packed = ByteString.copyFrom(inputs.toByteArray());
        ByteString fn = ByteString.copyFrom(function);
        TaskChannel channel = new TaskChannel() {
            private int sent;

            @Override
            public byte[] receive() {
                if (sent == BATCHES) {
                    throw new ConnectionClosedException("warm-up done");
                }
                sent++;
                Task task = Task.newBuilder().setTaskId(sent).setFunction(fn).setFunctionId(1).setPackedInputs(packed).build();
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
