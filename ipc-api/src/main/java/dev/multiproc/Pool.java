package dev.multiproc;

import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * A pool of worker JVMs ({@code multiprocessing.Pool}) that is also an {@link ExecutorService}.
 * A worker that dies fails only the tasks it held (with {@link WorkerLostException}) and is
 * replaced. {@link #close()} is shutdown and wait, as for JDK 19+ executors.
 *
 * <p>Tasks travel to other JVMs, so they must be serializable. A lambda written at a call of
 * this interface is: the overloads taking {@link SerializableRunnable},
 * {@link SerializableCallable} and {@link SerializableFunction} are chosen for lambda literals
 * ({@code pool.execute(() -> ...)}, {@code pool.submit(() -> ...)}, and
 * {@code pool.invokeAll(Pool.tasks(() -> 1, () -> 2))}). What still cannot work: a task that is an object of
 * a class that is not serializable, or a lambda that captures one (a {@code Path}, an open
 * stream, {@code this} of a non-serializable class), and a {@code Collection<Callable>} built
 * elsewhere (its lambdas were not compiled serializable; use {@link #tasks}).
 * Those are refused with a {@link java.util.concurrent.RejectedExecutionException} naming the
 * value that could not be serialized.
 */
public interface Pool extends ExecutorService {
    /**
     * Applies {@code fn} to every item in worker processes; results in input order.
     *
     * @param fn    the function
     * @param items the inputs
     * @param <T>   input type
     * @param <R>   result type
     * @return the results
     * @throws RemoteException whose cause is the first task exception
     */
    <T, R> List<R> map(SerializableFunction<? super T, ? extends R> fn, Iterable<? extends T> items);

    /**
     * As {@link #map(SerializableFunction, Iterable)} with items sent in chunks of {@code chunksize}.
     *
     * @param fn        the function
     * @param items     the inputs
     * @param chunksize items per task, at least 1
     * @param <T>       input type
     * @param <R>       result type
     * @return the results
     */
    <T, R> List<R> map(SerializableFunction<? super T, ? extends R> fn, Iterable<? extends T> items, int chunksize);

    /**
     * @param fn    the function
     * @param items the inputs
     * @param <T>   input type
     * @param <R>   result type
     * @return a future of the results, in input order
     */
    <T, R> CompletableFuture<List<R>> mapAsync(SerializableFunction<? super T, ? extends R> fn,
                                               Iterable<? extends T> items);

    /**
     * Lazy ordered map: input is pulled as results are consumed, with a bounded number of chunks
     * in flight, so an infinite iterable works. The chunk size adapts: it starts at 1 item (a slow
     * item is never queued behind another), then grows, at most doubling per chunk and at most 256,
     * until a chunk takes about 2 ms of a worker's time by the run times workers report; so a fast
     * function pays the per-task cost once per chunk. Give a chunk size to fix it.
     *
     * @param fn    the function
     * @param items the inputs
     * @param <T>   input type
     * @param <R>   result type
     * @return the results, in input order
     */
    <T, R> Iterator<R> imap(SerializableFunction<? super T, ? extends R> fn, Iterable<? extends T> items);

    /**
     * @param fn        the function
     * @param items     the inputs
     * @param chunksize items per task
     * @param <T>       input type
     * @param <R>       result type
     * @return the results, in input order
     */
    <T, R> Iterator<R> imap(SerializableFunction<? super T, ? extends R> fn, Iterable<? extends T> items,
                            int chunksize);

    /**
     * Lazy map yielding results as they complete, with chunks that adapt as
     * {@link #imap(SerializableFunction, Iterable)}'s do.
     *
     * @param fn    the function
     * @param items the inputs
     * @param <T>   input type
     * @param <R>   result type
     * @return the results, in completion order
     */
    <T, R> Iterator<R> imapUnordered(SerializableFunction<? super T, ? extends R> fn, Iterable<? extends T> items);

    /**
     * @param fn        the function
     * @param items     the inputs
     * @param chunksize items per task
     * @param <T>       input type
     * @param <R>       result type
     * @return the results, in completion order
     */
    <T, R> Iterator<R> imapUnordered(SerializableFunction<? super T, ? extends R> fn, Iterable<? extends T> items,
                                     int chunksize);

    /**
     * Runs {@code task} in a worker and waits for its result.
     *
     * @param task the task
     * @param <R>  result type
     * @return its result
     * @throws RemoteException whose cause is the task's exception
     */
    <R> R apply(SerializableCallable<R> task);

    /**
     * Runs a task in a worker without waiting for it. The first thread that waits for the
     * result ({@code get}, {@code join}) may read it from the worker itself, without a pool
     * thread in between. Dependent stages ({@code thenAccept}, {@code exceptionally}, ...) run in
     * the thread that read the result; they should be short, or use an executor
     * ({@code thenAcceptAsync}). One that waits for another call's result is served (that
     * thread reads on); one that waits for a {@code map} may block the worker it was reading.
     *
     * @param task the task
     * @param <R>  result type
     * @return a future completed with the result, or exceptionally with the task's exception
     */
    <R> CompletableFuture<R> applyAsync(SerializableCallable<R> task);

    /**
     * Submits a task; a lambda given here is serializable.
     *
     * @param task the task
     * @param <R>  result type
     * @return its future
     */
    <R> Future<R> submit(SerializableCallable<R> task);

    /**
     * Runs a task in a worker, as {@link #execute(Runnable)}; a lambda given here is serializable.
     *
     * @param command the task
     */
    default void execute(SerializableRunnable command) {
        execute((Runnable) command);
    }

    /**
     * Submits a task, as {@link #submit(Runnable)}; a lambda given here is serializable.
     *
     * @param task the task
     * @return a future completed with null once it ran
     */
    default Future<?> submit(SerializableRunnable task) {
        return submit((Runnable) task);
    }

    /**
     * Submits a task, as {@link #submit(Runnable, Object)}; a lambda given here is serializable.
     *
     * @param task   the task
     * @param result what the future yields once it ran (serializable)
     * @param <T>    the result type
     * @return its future
     */
    default <T> Future<T> submit(SerializableRunnable task, T result) {
        return submit((Runnable) task, result);
    }

    /**
     * Tasks for {@link #invokeAll(java.util.Collection)} and {@link #invokeAny(java.util.Collection)}
     * written as lambda literals: {@code pool.invokeAll(Pool.tasks(() -> 1, () -> 2))}. A lambda
     * given here is serializable (a {@code List<Callable>} built with {@code List.of(() -> 1)} is not).
     *
     * @param tasks the tasks
     * @param <T>   the result type
     * @return them, as a list
     */
    @SafeVarargs
    static <T> List<SerializableCallable<T>> tasks(SerializableCallable<T>... tasks) {
        return List.of(tasks);
    }

    /** Stops every worker at once; pending tasks are cancelled. */
    void terminate();

    /** @return the number of worker processes */
    int processes();
}
