package dev.multiproc.launcher.pool.internal;

import dev.multiproc.wire.TaskResult;

/**
 * Where the outcome of a {@link PoolTask} goes. Called once per task, from a pool thread (a
 * worker's reader, or the thread that terminates the pool), never under the pool's lock.
 */
interface TaskSink {
    /**
     * @param task   the task
     * @param result its result: one output or item error per input
     */
    void completed(PoolTask task, TaskResult result);

    /**
     * @param task  the task
     * @param error why it has no result: {@link dev.multiproc.WorkerLostException},
     *              {@link java.util.concurrent.CancellationException}, or the pool's failure
     */
    void failed(PoolTask task, Throwable error);

    /** @return true when nobody wants the result any more; a pending task is then dropped */
    default boolean abandoned() {
        return false;
    }

    /**
     * @return true while nobody has asked for the result: the pool may leave it in the worker's
     *         channel until someone does (then the asking thread may read it itself), or until
     *         it has waited there a couple of milliseconds
     */
    default boolean unclaimed() {
        return false;
    }
}
