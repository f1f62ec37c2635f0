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
import dev.multiproc.spi.log.Log;
import dev.multiproc.spi.wait.WaitStrategy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@link Pool}: its calls become tasks in the caller's thread ({@link TaskSubmitter}), which
 * its {@link TaskScheduler} runs on the workers. Thread-safe.
 *
 * <p>Result callbacks attached to the returned futures without an executor run on the pool's
 * reader threads: keep them short, or use the {@code ...Async} variants.
 */
public final class ProcessPool implements Pool {
    private static final Log LOG = Log.of(ProcessPool.class);
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final TaskScheduler scheduler;
    private final TaskSubmitter tasks;

    /**
     * @param scheduler  the pool's scheduler, not yet started
     * @param serializer serializes functions, inputs and results
     */
    ProcessPool(TaskScheduler scheduler, Serializer serializer) {
        this.scheduler = scheduler;
        this.tasks = new TaskSubmitter(scheduler, serializer);
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

    // ------------------------------------------------------------------------------- map

    @Override
    public <T, R> List<R> map(SerializableFunction<? super T, ? extends R> fn, Iterable<? extends T> items) {
        return tasks.<T, R>startMap(fn, items, 0).await();
    }

    @Override
    public <T, R> List<R> map(SerializableFunction<? super T, ? extends R> fn, Iterable<? extends T> items,
                              int chunksize) {
        Chunking.checkChunksize(chunksize);
        return tasks.<T, R>startMap(fn, items, chunksize).await();
    }

    @Override
    public <T, R> CompletableFuture<List<R>> mapAsync(SerializableFunction<? super T, ? extends R> fn,
                                                      Iterable<? extends T> items) {
        return tasks.<T, R>startMap(fn, items, 0).future();
    }

    // ------------------------------------------------------------------------------- imap

    @Override
    public <T, R> Iterator<R> imap(SerializableFunction<? super T, ? extends R> fn, Iterable<? extends T> items) {
        return tasks.startImap(fn, items, 0, true); // 0: adaptive
    }

    @Override
    public <T, R> Iterator<R> imap(SerializableFunction<? super T, ? extends R> fn, Iterable<? extends T> items,
                                   int chunksize) {
        Chunking.checkChunksize(chunksize);
        return tasks.startImap(fn, items, chunksize, true);
    }

    @Override
    public <T, R> Iterator<R> imapUnordered(SerializableFunction<? super T, ? extends R> fn,
                                            Iterable<? extends T> items) {
        return tasks.startImap(fn, items, 0, false);
    }

    @Override
    public <T, R> Iterator<R> imapUnordered(SerializableFunction<? super T, ? extends R> fn,
                                            Iterable<? extends T> items, int chunksize) {
        Chunking.checkChunksize(chunksize);
        return tasks.startImap(fn, items, chunksize, false);
    }

    // ------------------------------------------------------------------------------- apply

    @Override
    public <R> R apply(SerializableCallable<R> task) {
        return tasks.<R>call(task, task, false).await();
    }

    @Override
    public <R> CompletableFuture<R> applyAsync(SerializableCallable<R> task) {
        return tasks.<R>call(task, task, false).future();
    }

    @Override
    public <R> Future<R> submit(SerializableCallable<R> task) {
        return tasks.<R>call(task, task, false).future();
    }

    // ------------------------------------------------------------------------------- ExecutorService

    @Override
    public void execute(Runnable command) {
        Objects.requireNonNull(command, "command");
        CallSink<Object> sink = tasks.call(new RunnableTask<>(command, null), Executors.callable(command), true);
        sink.future().whenComplete((v, e) -> {
            if (e != null && !(e instanceof CancellationException)) {
                LOG.warn("task {} run by execute() failed in pool {}", command, scheduler.name(), e);
            }
        });
    }

    @Override
    public Future<?> submit(Runnable task) {
        Objects.requireNonNull(task, "task");
        return tasks.call(new RunnableTask<>(task, null), Executors.callable(task), true).future();
    }

    @Override
    public <T> Future<T> submit(Runnable task, T result) {
        Objects.requireNonNull(task, "task");
        return tasks.<T>call(new RunnableTask<>(task, result), Executors.callable(task, result), true).future();
    }

    @Override
    public <T> Future<T> submit(Callable<T> task) {
        return tasks.<T>call(task, task, true).future();
    }

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks) throws InterruptedException {
        return InvokeMethods.invokeAll(tasks, this::submit);
    }

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException {
        return InvokeMethods.invokeAll(tasks, this::submit, System.nanoTime() + unit.toNanos(timeout));
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks) throws InterruptedException, ExecutionException {
        try {
            return InvokeMethods.invokeAny(tasks, this::submit, false, 0);
        } catch (TimeoutException e) {
            throw new IllegalStateException("untimed invokeAny timed out", e);
        }
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException, ExecutionException, TimeoutException {
        return InvokeMethods.invokeAny(tasks, this::submit, true, System.nanoTime() + unit.toNanos(timeout));
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
