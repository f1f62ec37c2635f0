package dev.multiproc.launcher.pool.internal;

import dev.multiproc.Serializer;
import dev.multiproc.spi.wait.WaitStrategy;
import dev.multiproc.wire.RemoteError;
import dev.multiproc.wire.TaskResult;

import java.util.concurrent.ExecutionException;

/**
 * The outcome of one callable ({@code apply}, {@code applyAsync}, {@code submit}): its future,
 * and for {@code apply} the remote error, to throw as {@link dev.multiproc.RemoteException}.
 *
 * @param <R> the result type
 */
final class CallSink<R> implements TaskSink {
    private final Serializer serializer;
    private final SpinningFuture<R> future;
    private volatile Object failure;

    /**
     * @param serializer reads the result
     * @param source     reads the task's result when someone wants it
     * @param taskId     the task
     * @param waits      how a waiter stays busy before it blocks
     */
    CallSink(Serializer serializer, SpinningFuture.ResultSource source, long taskId, WaitStrategy waits) {
        this.serializer = serializer;
        this.future = new SpinningFuture<>(source, taskId, waits);
    }

    SpinningFuture<R> future() {
        return future;
    }

    @Override
    public void completed(PoolTask task, TaskResult result) {
        RemoteError error = Failures.firstError(result);
        if (error != null) {
            failure = error;
            future.completeExceptionally(Failures.forFuture(error, serializer));
            return;
        }
        R value;
        try {
            byte[] outputs = result.getPackedOutputs().toByteArray();
            int[] index = PackedValues.index(outputs);
            value = serializer.deserialize(outputs, index[0], index[1]);
        } catch (RuntimeException unreadable) { // not readable here, or a malformed result
            failure = unreadable;
            future.completeExceptionally(unreadable);
            return;
        }
        future.complete(value);
    }

    @Override
    public void failed(PoolTask task, Throwable error) {
        failure = error;
        future.completeExceptionally(error);
    }

    @Override
    public boolean abandoned() {
        return future.doneQuietly();
    }

    @Override
    public boolean unclaimed() {
        return future.unclaimed();
    }

    /**
     * Waits for the result, as {@code apply} does.
     *
     * @return the result
     * @throws dev.multiproc.RemoteException whose cause is the task's exception
     */
    R await() {
        try {
            return future.get();
        } catch (ExecutionException e) {
            Object f = failure;
            throw Failures.forCaller(f != null ? f : e.getCause(), serializer);
        } catch (InterruptedException e) {
            throw Failures.interrupted(e, "the result of a pool task");
        }
    }
}
