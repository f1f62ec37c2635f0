package dev.multiproc.launcher.pool;

import dev.multiproc.Pool;
import dev.multiproc.PoolOptions;
import dev.multiproc.launcher.pool.internal.ProcessPool;
import dev.multiproc.spi.ContextServices;

/**
 * Creates {@link Pool}s of worker JVMs; what {@code ProcessLauncher.newPool} calls. Workers
 * start in parallel and the pool is returned at once; tasks go to each worker as soon as it is
 * ready.
 */
public final class WorkerPools {
    private WorkerPools() {
    }

    /**
     * @param services the context's services
     * @param options  pool options
     * @param factory  makes worker processes (with {@link PoolOptions#jvmOptions()})
     * @return a started pool, terminated with the context at the latest
     */
    public static Pool start(ContextServices services, PoolOptions options, WorkerProcessFactory factory) {
        return ProcessPool.start(services, options, factory);
    }
}
