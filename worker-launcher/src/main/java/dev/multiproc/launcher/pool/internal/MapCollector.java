package dev.multiproc.launcher.pool.internal;

import dev.multiproc.Serializer;
import dev.multiproc.spi.wait.WaitStrategy;
import dev.multiproc.wire.RemoteError;
import dev.multiproc.wire.TaskResult;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Gathers the chunks of one {@code map} into a list in input order. Fails at the first chunk
 * that fails (as Python's {@code map_async}); chunks not yet started are then dropped. Results
 * are read back as each chunk arrives, by the thread that delivers it.
 *
 * @param <R> the result type
 */
final class MapCollector<R> {
    private final Serializer serializer;
    private final Object[] results;
    private final AtomicInteger remaining;
    private final AtomicReference<Object> failure = new AtomicReference<>();
    private final SpinningFuture<List<R>> future;

    /**
     * @param serializer reads results
     * @param length     number of inputs
     * @param chunks     number of chunks
     * @param waits      how a waiter stays busy before it blocks
     */
    MapCollector(Serializer serializer, int length, int chunks, WaitStrategy waits) {
        this.serializer = serializer;
        this.future = new SpinningFuture<>(waits);
        this.results = new Object[length];
        this.remaining = new AtomicInteger(chunks);
    }

    SpinningFuture<List<R>> future() {
        return future;
    }

    /**
     * @param offset position of the chunk's first input
     * @return the sink of that chunk
     */
    TaskSink chunk(int offset) {
        return new TaskSink() {
            @Override
            public void completed(PoolTask task, TaskResult result) {
                RemoteError error = Failures.firstError(result);
                if (error != null) {
                    fail(error);
                    return;
                }
                try {
                    byte[] outputs = result.getPackedOutputs().toByteArray();
                    int[] index = PackedValues.index(outputs);
                    for (int i = 0; i < index.length / 2; i++) {
                        results[offset + i] = serializer.deserialize(outputs, index[2 * i], index[2 * i + 1]);
                    }
                } catch (RuntimeException unreadable) {
                    fail(unreadable);
                    return;
                }
                if (remaining.decrementAndGet() == 0) {
                    @SuppressWarnings("unchecked")
                    List<R> list = (List<R>) new ArrayList<>(Arrays.asList(results));
                    future.complete(list);
                }
            }

            @Override
            public void failed(PoolTask task, Throwable error) {
                fail(error);
            }

            @Override
            public boolean abandoned() {
                return future.isDone();
            }
        };
    }

    /**
     * Gives up on this map (its input could not be sent): chunks not yet started are dropped.
     *
     * @param error why
     */
    void abandon(RuntimeException error) {
        fail(error);
    }

    private void fail(Object error) {
        if (failure.compareAndSet(null, error)) {
            future.completeExceptionally(Failures.forFuture(error, serializer));
        }
    }

    /**
     * Waits for all results, as {@code map} does.
     *
     * @return the results in input order
     * @throws dev.multiproc.RemoteException whose cause is the first task exception
     */
    List<R> await() {
        try {
            return future.get();
        } catch (ExecutionException e) {
            Object f = failure.get();
            throw Failures.forCaller(f != null ? f : e.getCause(), serializer);
        } catch (InterruptedException e) {
            throw Failures.interrupted(e, "the results of a pool map");
        }
    }
}
