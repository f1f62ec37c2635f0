package dev.multiproc.launcher.pool.internal;

import dev.multiproc.SerializableFunction;
import dev.multiproc.SerializationException;
import dev.multiproc.Serializer;

import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;

/**
 * Turns the pool's calls into tasks: serializes functions, callables and inputs in the caller's
 * thread (so what cannot travel fails at once, in the caller), cuts a map's inputs into chunks and
 * submits them to the {@link TaskScheduler} in groups, so workers start while the rest is being
 * serialized. A function with no state (a lambda that captures nothing) is serialized once per pool
 * and kept by workers under an id; a map's function is kept by workers for the map's chunks; any
 * other callable travels whole with its task. Thread-safe.
 */
final class TaskSubmitter {
    /** Chunks an imap keeps submitted ahead of its consumer, per worker. */
    static final int IMAP_CHUNKS_AHEAD_PER_WORKER = 64;
    /** A map submits its chunks in groups of about this many serialized bytes... */
    static final long SUBMIT_GROUP_BYTES = 32 << 10;
    /** ...or this many chunks, whichever comes first. */
    static final int SUBMIT_GROUP_TASKS = 512;

    private final TaskScheduler scheduler;
    private final Serializer serializer;
    /** Functions with no state, serialized once per class and kept by workers under one id. */
    private final ConcurrentHashMap<Class<?>, SerializedFunction> statelessCache = new ConcurrentHashMap<>();

    TaskSubmitter(TaskScheduler scheduler, Serializer serializer) {
        this.scheduler = scheduler;
        this.serializer = serializer;
    }

    /** A function serialized once, with the id workers keep it under (0: not kept). */
    private record SerializedFunction(long id, byte[] bytes) {
    }

    /** Reads the whole input (as Python does, to know its length), then submits its chunks. */
    <T, R> MapCollector<R> startMap(SerializableFunction<? super T, ? extends R> fn,
                                            Iterable<? extends T> items, int chunksize) {
        Objects.requireNonNull(fn, "fn");
        Objects.requireNonNull(items, "items");
        scheduler.checkRunning();
        List<? extends T> inputs = items instanceof List<? extends T> list ? list : materialize(items);
        int length = inputs.size();
        int size = chunksize > 0 ? chunksize : Chunking.defaultChunksize(length, scheduler.processes());
        int chunks = (length + size - 1) / size;
        MapCollector<R> collector = new MapCollector<>(serializer, length, chunks, scheduler.waits());
        if (length == 0) {
            collector.future().complete(new ArrayList<>());
            return collector;
        }
        SerializedFunction function = serializeFunction(fn, true);
        // Chunks go out in groups as they are serialized, so workers start while the rest is.
        List<PoolTask> group = new ArrayList<>();
        long groupBytes = 0;
        try {
            for (int offset = 0; offset < length; offset += size) {
                int end = Math.min(length, offset + size);
                PackedValues.Writer chunk = new PackedValues.Writer((end - offset) * 8);
                for (int i = offset; i < end; i++) {
                    chunk.add(serializeInput(inputs.get(i), i));
                }
                group.add(new PoolTask(scheduler.newTaskId(), function.id(), function.bytes(), chunk.toByteArray(),
                        chunk.count(), false, collector.chunk(offset), null));
                groupBytes += chunk.size();
                if (groupBytes >= SUBMIT_GROUP_BYTES || group.size() >= SUBMIT_GROUP_TASKS) {
                    scheduler.submit(group);
                    group = new ArrayList<>();
                    groupBytes = 0;
                }
            }
            if (!group.isEmpty()) {
                scheduler.submit(group);
            }
        } catch (RuntimeException e) {
            collector.abandon(e); // chunks already submitted are dropped or their results ignored
            throw e;
        }
        return collector;
    }

    private static <T> List<T> materialize(Iterable<T> items) {
        List<T> list = items instanceof Collection<T> c ? new ArrayList<>(c.size()) : new ArrayList<>();
        for (T item : items) {
            list.add(item);
        }
        return list;
    }

    private byte[] serializeInput(Object input, int position) {
        try {
            return serializer.serialize(input);
        } catch (SerializationException e) {
            throw new SerializationException("input " + position + " cannot be sent to a worker: " + e.getMessage(), e);
        }
    }

    <T, R> Iterator<R> startImap(SerializableFunction<? super T, ? extends R> fn,
                                         Iterable<? extends T> items, int chunksize, boolean ordered) {
        Objects.requireNonNull(fn, "fn");
        Objects.requireNonNull(items, "items");
        scheduler.checkRunning();
        SerializedFunction function = serializeFunction(fn, true);
        int ahead = Math.max(16, scheduler.processes() * IMAP_CHUNKS_AHEAD_PER_WORKER);
        return new ImapIterator<T, R>(items.iterator(), chunksize, scheduler.processes(), ahead, ordered, serializer,
                scheduler.waits(),
                (inputs, sink) -> scheduler.submit(List.of(new PoolTask(scheduler.newTaskId(), function.id(),
                        function.bytes(), inputs.toByteArray(), inputs.count(), false, sink, null)))).begin();
    }

    /**
     * @param callable      what the worker calls
     * @param origin        the task as submitted (shutdownNow hands it back)
     * @param executorStyle whether a task that cannot travel is rejected (ExecutorService
     *                      methods) rather than failing with SerializationException (Pool methods)
     */
    <R> CallSink<R> call(Callable<?> callable, Callable<?> origin, boolean executorStyle) {
        Objects.requireNonNull(callable, "task");
        scheduler.checkRunning();
        SerializedFunction function;
        try {
            function = serializeFunction(callable, false);
        } catch (SerializationException e) {
            if (executorStyle) {
                throw new RejectedExecutionException("task " + origin + " cannot be sent to a pool worker: "
                        + e.getMessage(), e);
            }
            throw e;
        }
        long taskId = scheduler.newTaskId();
        CallSink<R> sink = new CallSink<>(serializer, scheduler, taskId, scheduler.waits());
        scheduler.submit(List.of(new PoolTask(taskId, function.id(), function.bytes(),
                PoolTask.NO_INPUTS, 0, true, sink, origin)));
        return sink;
    }

    /**
     * Serializes a function or callable. One without state (a lambda that captures nothing) is
     * serialized once per pool and kept by workers under an id; a map's function is kept by
     * workers for the map's chunks; any other callable travels whole with its task.
     */
    private SerializedFunction serializeFunction(Object function, boolean keptByWorkers) {
        Class<?> type = function.getClass();
        SerializedFunction known = statelessCache.get(type);
        if (known != null) {
            return known;
        }
        if (stateless(type)) {
            SerializedFunction made = new SerializedFunction(scheduler.newFunctionId(), serializer.serialize(function));
            SerializedFunction raced = statelessCache.putIfAbsent(type, made);
            return raced != null ? raced : made;
        }
        byte[] bytes = serializer.serialize(function);
        return new SerializedFunction(keptByWorkers ? scheduler.newFunctionId() : 0, bytes);
    }

    /** A hidden (lambda) class with no instance fields: all its instances serialize alike. */
    private static boolean stateless(Class<?> type) {
        return type.isHidden() && Arrays.stream(type.getDeclaredFields())
                .allMatch(f -> Modifier.isStatic(f.getModifiers()));
    }
}
