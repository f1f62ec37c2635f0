package dev.multiproc.launcher.pool.internal;

import com.google.protobuf.UnsafeByteOperations;
import dev.multiproc.ConnectionClosedException;
import dev.multiproc.IpcException;
import dev.multiproc.ProcessTarget;
import dev.multiproc.SerializableFunction;
import dev.multiproc.Serializer;
import dev.multiproc.spi.RemoteErrors;
import dev.multiproc.wire.ItemError;
import dev.multiproc.wire.Task;
import dev.multiproc.wire.TaskBatch;
import dev.multiproc.wire.TaskResult;
import dev.multiproc.wire.WorkerReport;

import java.util.concurrent.Callable;

/**
 * The loop of a pool worker: runs the initializer, reports ready, then runs the tasks of each
 * {@link TaskBatch} in order and answers {@link WorkerReport}s of results. Results of a batch
 * are sent together, except that a result is sent as soon as {@link #FLUSH_NANOS} of work has
 * passed since the last report, so long tasks are reported at once and tiny ones in bulk.
 * Returns when the pool closes the channel. Not thread-safe: one per worker.
 */
final class WorkerRuntime {
    /** Work done after which pending results are sent even if the batch has more tasks. */
    static final long FLUSH_NANOS = 200_000;

    private final TaskChannel channel;
    private final Serializer serializer;
    private final FunctionLru<Object> functions = new FunctionLru<>();

    WorkerRuntime(TaskChannel channel, Serializer serializer) {
        this.channel = channel;
        this.serializer = serializer;
    }

    /**
     * Runs until the pool closes the channel.
     *
     * @param initializer run once before the first task, or null
     * @throws Exception the initializer's exception, after it was reported to the pool
     */
    void run(ProcessTarget initializer) throws Exception {
        if (initializer != null) {
            try {
                initializer.run();
            } catch (Exception | Error e) {
                channel.send(TaskCodec.initError(RemoteErrors.toWire(e, serializer)));
                throw e;
            }
        }
        channel.send(TaskCodec.ready());
        while (true) {
            byte[] frame;
            try {
                frame = channel.receive();
            } catch (ConnectionClosedException closed) {
                return;
            }
            runBatch(TaskCodec.decodeBatch(frame));
        }
    }

    private void runBatch(TaskBatch batch) {
        WorkerReport.Builder report = WorkerReport.newBuilder();
        long lastFlush = System.nanoTime();
        int count = batch.getTasksCount();
        for (int i = 0; i < count; i++) {
            report.addResults(run(batch.getTasks(i)));
            long now = System.nanoTime();
            if (i == count - 1 || now - lastFlush >= FLUSH_NANOS) {
                channel.send(report.build().toByteArray());
                report = WorkerReport.newBuilder();
                lastFlush = now;
            }
        }
    }

    private TaskResult run(Task task) {
        long start = System.nanoTime();
        TaskResult.Builder result = TaskResult.newBuilder().setTaskId(task.getTaskId());
        Object function;
        try {
            function = resolve(task);
        } catch (Throwable unreadable) {
            return result.setFailed(true).setError(RemoteErrors.toWire(unreadable, serializer))
                    .setRunNanos(System.nanoTime() - start).build();
        }
        PackedValues.Writer outputs;
        if (task.getCallable()) {
            outputs = new PackedValues.Writer(64);
            runItem(result, outputs, 0, () -> ((Callable<?>) function).call());
        } else {
            @SuppressWarnings("unchecked")
            SerializableFunction<Object, Object> fn = (SerializableFunction<Object, Object>) function;
            byte[] inputs = task.getPackedInputs().toByteArray();
            int[] index = PackedValues.index(inputs);
            outputs = new PackedValues.Writer(inputs.length + 64);
            for (int i = 0; i < index.length / 2; i++) {
                int offset = index[2 * i];
                int length = index[2 * i + 1];
                runItem(result, outputs, i, () -> fn.apply(serializer.deserialize(inputs, offset, length)));
            }
        }
        return result.setPackedOutputs(UnsafeByteOperations.unsafeWrap(outputs.toByteArray()))
                .setRunNanos(System.nanoTime() - start).build();
    }

    /** Runs one item; its output, or an empty output and an item error. */
    private void runItem(TaskResult.Builder result, PackedValues.Writer outputs, int index, Callable<?> item) {
        try {
            Object value = item.call();
            outputs.add(serializer.serialize(value));
        } catch (Throwable failure) {
            outputs.add(EMPTY);
            result.addItemErrors(ItemError.newBuilder().setIndex(index)
                    .setError(RemoteErrors.toWire(failure, serializer)));
        }
    }

    private static final byte[] EMPTY = new byte[0];

    /** The task's function: read from the task, or the one held under its id. */
    private Object resolve(Task task) throws Throwable {
        long id = task.getFunctionId();
        if (!task.getFunction().isEmpty()) {
            Object function;
            try {
                function = serializer.deserialize(task.getFunction().toByteArray());
            } catch (RuntimeException unreadable) {
                function = new Unreadable(unreadable);
            }
            if (id != 0) {
                functions.put(id, function);
            }
            return checked(function);
        }
        Object held = functions.get(id);
        if (held == null) {
            throw new IpcException("task " + task.getTaskId() + " names function " + id
                    + ", which this worker does not hold (pool protocol error)");
        }
        return checked(held);
    }

    private static Object checked(Object function) throws Throwable {
        if (function instanceof Unreadable u) {
            throw u.error;
        }
        return function;
    }

    /** A function that could not be read here: every task using it fails with the same error. */
    private record Unreadable(RuntimeException error) {
    }
}
