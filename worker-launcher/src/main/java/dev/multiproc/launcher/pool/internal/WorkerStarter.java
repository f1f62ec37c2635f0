package dev.multiproc.launcher.pool.internal;

import dev.multiproc.ProcessTarget;

/** Starts pool workers; the pool calls it from its starter threads, several at a time. */
interface WorkerStarter {
    /**
     * Starts a worker and returns once it runs; the worker reports ready on its channel later.
     *
     * @param name        the worker's process name
     * @param initializer run once in the worker before its first task, or null
     * @return the started worker
     * @throws RuntimeException if it cannot be started
     */
    WorkerChannel start(String name, ProcessTarget initializer);
}
