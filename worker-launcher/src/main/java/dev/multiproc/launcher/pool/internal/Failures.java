package dev.multiproc.launcher.pool.internal;

import dev.multiproc.IpcException;
import dev.multiproc.RemoteException;
import dev.multiproc.Serializer;
import dev.multiproc.spi.RemoteErrors;
import dev.multiproc.wire.RemoteError;
import dev.multiproc.wire.TaskResult;

/**
 * Turns task failures into what callers see: a future's cause is the original exception; a
 * blocking call ({@code apply}, {@code map}, {@code imap}) throws {@link RemoteException} whose
 * cause is the original exception, or the pool's own exception (worker lost, cancelled) as is.
 */
final class Failures {
    private Failures() {
    }

    /**
     * @param result a task's result
     * @param index  an input of the task
     * @return the error of that input, or null if it succeeded
     */
    static RemoteError errorOf(TaskResult result, int index) {
        if (result.getFailed()) {
            return result.getError();
        }
        for (int i = 0; i < result.getItemErrorsCount(); i++) {
            if (result.getItemErrors(i).getIndex() == index) {
                return result.getItemErrors(i).getError();
            }
        }
        return null;
    }

    /**
     * @param result a task's result
     * @return the error of its first failed input, or null if none failed
     */
    static RemoteError firstError(TaskResult result) {
        if (result.getFailed()) {
            return result.getError();
        }
        RemoteError first = null;
        int firstIndex = Integer.MAX_VALUE;
        for (int i = 0; i < result.getItemErrorsCount(); i++) {
            if (result.getItemErrors(i).getIndex() < firstIndex) {
                firstIndex = result.getItemErrors(i).getIndex();
                first = result.getItemErrors(i).getError();
            }
        }
        return first;
    }

    /**
     * @param failure    a {@link RemoteError} or a {@link Throwable}
     * @param serializer reads remote exceptions
     * @return what a blocking call throws for it
     */
    static RuntimeException forCaller(Object failure, Serializer serializer) {
        if (failure instanceof RemoteError remote) {
            return RemoteErrors.toRemoteException(remote, serializer);
        }
        if (failure instanceof RuntimeException e) {
            return e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        return new IpcException("task failed: " + failure, (Throwable) failure);
    }

    /**
     * @param failure    a {@link RemoteError} or a {@link Throwable}
     * @param serializer reads remote exceptions
     * @return what a future completes exceptionally with
     */
    static Throwable forFuture(Object failure, Serializer serializer) {
        if (failure instanceof RemoteError remote) {
            return RemoteErrors.toThrowable(remote, serializer);
        }
        return (Throwable) failure;
    }

    /** @return an exception for a caller interrupted while waiting for results */
    static IpcException interrupted(InterruptedException e, String what) {
        Thread.currentThread().interrupt();
        return new IpcException("interrupted while waiting for " + what, e);
    }
}
