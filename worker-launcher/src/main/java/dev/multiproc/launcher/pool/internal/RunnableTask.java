package dev.multiproc.launcher.pool.internal;

import java.io.Serial;
import java.io.Serializable;
import java.util.concurrent.Callable;

/**
 * A {@link Runnable} given to {@code execute}/{@code submit}, as the callable a worker runs. It
 * travels only if the runnable (and the result) is serializable.
 *
 * @param runnable what to run
 * @param result   what the future yields after it ran
 * @param <T>      the result type
 */
record RunnableTask<T>(Runnable runnable, T result) implements Callable<T>, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    @Override
    public T call() {
        runnable.run();
        return result;
    }
}
