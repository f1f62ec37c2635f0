package dev.multiproc.launcher.pool.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * {@code invokeAll} and {@code invokeAny} of the pool's {@link java.util.concurrent.ExecutorService}
 * face, over its {@code submit}: the futures it returns are {@link CompletableFuture}s. Stateless.
 */
final class InvokeMethods {
    private InvokeMethods() {
    }

    /** Submits every task; if one cannot be submitted, those submitted before are cancelled. */
    static <T> List<Future<T>> submitAll(Collection<? extends Callable<T>> tasks, Function<Callable<T>, Future<T>> submit) {
        List<Future<T>> futures = new ArrayList<>(tasks.size());
        try {
            for (Callable<T> task : tasks) {
                futures.add(submit.apply(task));
            }
        } catch (RuntimeException e) {
            futures.forEach(f -> f.cancel(true));
            throw e;
        }
        return futures;
    }

    static <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, Function<Callable<T>, Future<T>> submit)
            throws InterruptedException {
        List<Future<T>> futures = submitAll(tasks, submit);
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

    static <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, Function<Callable<T>, Future<T>> submit,
                                         long deadline) throws InterruptedException {
        List<Future<T>> futures = submitAll(tasks, submit);
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

    static <T> T invokeAny(Collection<? extends Callable<T>> tasks, Function<Callable<T>, Future<T>> submit,
                           boolean timed, long deadline) throws InterruptedException, ExecutionException, TimeoutException {
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("invokeAny needs at least one task, got none");
        }
        LinkedBlockingQueue<CompletableFuture<T>> done = new LinkedBlockingQueue<>();
        List<Future<T>> futures = submitAll(tasks, submit);
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
}
