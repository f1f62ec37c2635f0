package dev.multiproc.launcher.pool.internal;

import dev.multiproc.Pool;
import dev.multiproc.PoolOptions;
import dev.multiproc.ProcessTarget;
import dev.multiproc.SerializableCallable;
import dev.multiproc.SerializableFunction;
import dev.multiproc.SerializationException;
import dev.multiproc.Serializer;
import dev.multiproc.launcher.pool.WorkerProcessFactory;
import dev.multiproc.spi.Channels;
import dev.multiproc.spi.ContextServices;
import dev.multiproc.spi.ContextSettings;
import dev.multiproc.spi.wait.WaitStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The {@link Pool}: serializes functions, callables and inputs in the caller's thread (so what
 * cannot travel fails at once, in the caller), cuts inputs into chunks, and hands tasks to its
 * {@link TaskScheduler}. Thread-safe.
 *
 * <p>Result callbacks attached to the returned futures without an executor run on the pool's
 * reader threads: keep them short, or use the {@code ...Async} variants.
 */
public final class ProcessPool implements Pool {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessPool.class);
    /** Chunks an imap keeps submitted ahead of its consumer, per worker. */
    static final int IMAP_CHUNKS_AHEAD_PER_WORKER = 64;
    /** A map submits its chunks in groups of about this many serialized bytes... */
    static final long SUBMIT_GROUP_BYTES = 32 << 10;
    /** ...or this many chunks, whichever comes first. */
    static final int SUBMIT_GROUP_TASKS = 512;

    private static final AtomicInteger POOLS = new AtomicInteger();

    private final TaskScheduler scheduler;
    private final Serializer serializer;
    /** Functions with no state, serialized once per class and kept by workers under one id. */
    private final ConcurrentHashMap<Class<?>, SerializedFunction> statelessCache = new ConcurrentHashMap<>();

    /**
     * @param scheduler  the pool's scheduler, not yet started
     * @param serializer serializes functions, inputs and results
     */
    ProcessPool(TaskScheduler scheduler, Serializer serializer) {
        this.scheduler = scheduler;
        this.serializer = serializer;
    }

    /**
     * Creates and starts a pool; workers start in parallel and the call returns without waiting.
     *
     * @param name             pool name
     * @param processes        workers
     * @param maxTasksPerChild tasks per worker before it is replaced; 0 for never
     * @param initializer      run once in each worker, or null
     * @param starter          starts workers
     * @param serializer       serializer for user objects
     * @return the started pool
     */
    static ProcessPool start(String name, int processes, int maxTasksPerChild, ProcessTarget initializer,
                             WorkerStarter starter, Serializer serializer) {
        return start(name, processes, maxTasksPerChild, initializer, starter, serializer,
                ContextSettings.process().waits());
    }

    /**
     * As above, with the wait strategy of the pool's context.
     *
     * @param name             pool name
     * @param processes        workers
     * @param maxTasksPerChild tasks per worker before it is replaced; 0 for never
     * @param initializer      run once in each worker, or null
     * @param starter          starts workers
     * @param serializer       serializer for user objects
     * @param waits            how callers wait for results
     * @return the started pool
     */
    static ProcessPool start(String name, int processes, int maxTasksPerChild, ProcessTarget initializer,
                             WorkerStarter starter, Serializer serializer, WaitStrategy waits) {
        if (initializer != null) {
            try {
                serializer.serialize(initializer); // fail here, not in every worker start
            } catch (SerializationException e) {
                throw new SerializationException("the initializer of pool " + name
                        + " cannot be sent to its workers: " + e.getMessage(), e);
            }
        }
        TaskScheduler scheduler = new TaskScheduler(name, processes, maxTasksPerChild, initializer, starter, serializer, waits);
        scheduler.start();
        return new ProcessPool(scheduler, serializer);
    }

    /**
     * Creates and starts a pool of worker JVMs for a context.
     *
     * @param services the context's services: serializer, channels, close hook
     * @param options  the pool options
     * @param factory  makes (unstarted) worker processes with extra JVM options
     * @return the started pool; closed (terminated) with the context at the latest
     */
    public static Pool start(ContextServices services, PoolOptions options, WorkerProcessFactory factory) {
        Objects.requireNonNull(options, "options");
        Channels channels = options.transport().map(services::channels).orElseGet(services::channels);
        String name = "Pool-" + POOLS.incrementAndGet();
        ProcessPool pool = start(name, options.processes(), options.maxTasksPerChild(),
                options.initializer().orElse(null),
                new ProcessWorkerStarter(channels, factory, options.jvmOptions(), services.serializer()), services.serializer(),
                services.settings().waits());
        services.onClose(pool::terminate);
        return pool;
    }

    /** A function serialized once, with the id workers keep it under (0: not kept). */
    private record SerializedFunction(long id, byte[] bytes) {
    }

    // ------------------------------------------------------------------------------- map

    @Override
    public <T, R> List<R> map(SerializableFunction<? super T, ? extends R> fn, Iterable<? extends T> items) {
        return this.<T, R>startMap(fn, items, 0).await();
    }

    @Override
    public <T, R> List<R> map(SerializableFunction<? super T, ? extends R> fn, Iterable<? extends T> items,
                              int chunksize) {
        Chunking.checkChunksize(chunksize);
        return this.<T, R>startMap(fn, items, chunksize).await();
    }

    @Override
    public <T, R> CompletableFuture<List<R>> mapAsync(SerializableFunction<? super T, ? extends R> fn,
                                                      Iterable<? extends T> items) {
        return this.<T, R>startMap(fn, items, 0).future();
    }

    /** Reads the whole input (as Python does, to know its length), then submits its chunks. */
    private <T, R> MapCollector<R> startMap(SerializableFunction<? super T, ? extends R> fn,
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

    // ------------------------------------------------------------------------------- imap

    @Override
    public <T, R> Iterator<R> imap(SerializableFunction<? super T, ? extends R> fn, Iterable<? extends T> items) {
        return startImap(fn, items, 1, true);
    }

    @Override
    public <T, R> Iterator<R> imap(SerializableFunction<? super T, ? extends R> fn, Iterable<? extends T> items,
                                   int chunksize) {
        Chunking.checkChunksize(chunksize);
        return startImap(fn, items, chunksize, true);
    }

    @Override
    public <T, R> Iterator<R> imapUnordered(SerializableFunction<? super T, ? extends R> fn,
                                            Iterable<? extends T> items) {
        return startImap(fn, items, 1, false);
    }

    @Override
    public <T, R> Iterator<R> imapUnordered(SerializableFunction<? super T, ? extends R> fn,
                                            Iterable<? extends T> items, int chunksize) {
        Chunking.checkChunksize(chunksize);
        return startImap(fn, items, chunksize, false);
    }

    private <T, R> Iterator<R> startImap(SerializableFunction<? super T, ? extends R> fn,
                                         Iterable<? extends T> items, int chunksize, boolean ordered) {
        Objects.requireNonNull(fn, "fn");
        Objects.requireNonNull(items, "items");
        scheduler.checkRunning();
        SerializedFunction function = serializeFunction(fn, true);
        int ahead = Math.max(16, scheduler.processes() * IMAP_CHUNKS_AHEAD_PER_WORKER);
        return new ImapIterator<T, R>(items.iterator(), chunksize, ahead, ordered, serializer, scheduler.waits(),
                (inputs, sink) -> scheduler.submit(List.of(new PoolTask(scheduler.newTaskId(), function.id(),
                        function.bytes(), inputs.toByteArray(), inputs.count(), false, sink, null)))).begin();
    }

    // ------------------------------------------------------------------------------- apply

    @Override
    public <R> R apply(SerializableCallable<R> task) {
        return this.<R>submitCall(task, task, false).await();
    }

    @Override
    public <R> CompletableFuture<R> applyAsync(SerializableCallable<R> task) {
        return this.<R>submitCall(task, task, false).future();
    }

    @Override
    public <R> Future<R> submit(SerializableCallable<R> task) {
        return this.<R>submitCall(task, task, false).future();
    }

    /**
     * @param callable      what the worker calls
     * @param origin        the task as submitted (shutdownNow hands it back)
     * @param executorStyle whether a task that cannot travel is rejected (ExecutorService
     *                      methods) rather than failing with SerializationException (Pool methods)
     */
    private <R> CallSink<R> submitCall(Callable<?> callable, Callable<?> origin, boolean executorStyle) {
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

    // ------------------------------------------------------------------------------- ExecutorService

    @Override
    public void execute(Runnable command) {
        Objects.requireNonNull(command, "command");
        CallSink<Object> sink = submitCall(new RunnableTask<>(command, null), Executors.callable(command), true);
        sink.future().whenComplete((v, e) -> {
            if (e != null && !(e instanceof CancellationException)) {
                LOG.warn("task {} run by execute() failed in pool {}", command, scheduler.name(), e);
            }
        });
    }

    @Override
    public Future<?> submit(Runnable task) {
        Objects.requireNonNull(task, "task");
        return submitCall(new RunnableTask<>(task, null), Executors.callable(task), true).future();
    }

    @Override
    public <T> Future<T> submit(Runnable task, T result) {
        Objects.requireNonNull(task, "task");
        return this.<T>submitCall(new RunnableTask<>(task, result), Executors.callable(task, result), true).future();
    }

    @Override
    public <T> Future<T> submit(Callable<T> task) {
        return this.<T>submitCall(task, task, true).future();
    }

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks) throws InterruptedException {
        List<Future<T>> futures = submitAll(tasks);
        try {
            for (Future<T> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException | CancellationException ignored) {
                    // the future holds it
                }
            }
            return futures;
        } catch (InterruptedException e) {
            futures.forEach(f -> f.cancel(true));
            throw e;
        }
    }

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        List<Future<T>> futures = submitAll(tasks);
        try {
            for (Future<T> f : futures) {
                try {
                    f.get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                } catch (ExecutionException | CancellationException ignored) {
                    // the future holds it
                } catch (TimeoutException e) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            futures.forEach(f -> f.cancel(true));
            throw e;
        }
        futures.forEach(f -> f.cancel(true));
        return futures;
    }

    private <T> List<Future<T>> submitAll(Collection<? extends Callable<T>> tasks) {
        Objects.requireNonNull(tasks, "tasks");
        List<Future<T>> futures = new ArrayList<>(tasks.size());
        try {
            for (Callable<T> task : tasks) {
                futures.add(submit(task));
            }
        } catch (RuntimeException e) {
            futures.forEach(f -> f.cancel(true));
            throw e;
        }
        return futures;
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks) throws InterruptedException, ExecutionException {
        try {
            return invokeAny(tasks, false, 0);
        } catch (TimeoutException e) {
            throw new IllegalStateException("untimed invokeAny timed out", e);
        }
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException, ExecutionException, TimeoutException {
        return invokeAny(tasks, true, System.nanoTime() + unit.toNanos(timeout));
    }

    private <T> T invokeAny(Collection<? extends Callable<T>> tasks, boolean timed, long deadline)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("invokeAny needs at least one task, got none");
        }
        LinkedBlockingQueue<CompletableFuture<T>> done = new LinkedBlockingQueue<>();
        List<Future<T>> futures = submitAll(tasks);
        try {
            for (Future<T> f : futures) {
                CompletableFuture<T> cf = (CompletableFuture<T>) f;
                cf.whenComplete((v, e) -> done.add(cf));
            }
            ExecutionException last = null;
            for (int i = 0; i < futures.size(); i++) {
                CompletableFuture<T> f = timed ? done.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)
                        : done.take();
                if (f == null) {
                    throw new TimeoutException("none of " + futures.size() + " tasks completed in time");
                }
                try {
                    return f.get();
                } catch (ExecutionException e) {
                    last = e;
                } catch (CancellationException e) {
                    last = new ExecutionException(e);
                }
            }
            throw last;
        } finally {
            futures.forEach(f -> f.cancel(true));
        }
    }

    @Override
    public void shutdown() {
        scheduler.shutdown();
    }

    /**
     * Kills the workers at once. Tasks running fail with {@link CancellationException}; tasks
     * submitted with {@code execute}/{@code submit}/{@code apply*} that never started are
     * returned (running one runs its task in this JVM) and their futures are cancelled; queued
     * map chunks are cancelled.
     */
    @Override
    public List<Runnable> shutdownNow() {
        List<PoolTask> kept = scheduler.terminate(t -> t.origin() != null);
        List<Runnable> neverStarted = new ArrayList<>(kept.size());
        CancellationException cancelled = new CancellationException("pool " + scheduler.name() + " was shut down now");
        for (PoolTask t : kept) {
            Callable<?> origin = t.origin();
            neverStarted.add(() -> {
                try {
                    origin.call();
                } catch (RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            t.sink().failed(t, cancelled);
        }
        return neverStarted;
    }

    @Override
    public boolean isShutdown() {
        return scheduler.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return scheduler.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return scheduler.awaitTermination(unit.toNanos(timeout));
    }

    /** Shutdown, then waits until every worker has exited; interrupted, it terminates the pool. */
    @Override
    public void close() {
        boolean interrupted = false;
        shutdown();
        while (!isTerminated()) {
            try {
                awaitTermination(1, TimeUnit.DAYS);
            } catch (InterruptedException e) {
                if (!interrupted) {
                    terminate();
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void terminate() {
        scheduler.terminate(t -> false);
    }

    @Override
    public int processes() {
        return scheduler.processes();
    }

    /** @return pids of the live workers (diagnostics and tests) */
    public List<Long> workerPids() {
        return scheduler.workerPids();
    }

    @Override
    public String toString() {
        return "Pool[" + scheduler.name() + ", " + scheduler.processes() + " processes]";
    }
}
