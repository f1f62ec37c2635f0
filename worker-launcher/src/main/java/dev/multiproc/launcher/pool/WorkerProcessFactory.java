package dev.multiproc.launcher.pool;

import dev.multiproc.IpcProcess;
import dev.multiproc.ProcessTarget;

import java.util.List;

/**
 * Makes the child JVM of one pool worker; the launcher supplies it, so the pool needs no
 * knowledge of how JVMs are launched.
 */
@FunctionalInterface
public interface WorkerProcessFactory {
    /**
     * @param name       the worker's process name
     * @param target     what the worker runs
     * @param jvmOptions extra options for its JVM ({@link dev.multiproc.PoolOptions#jvmOptions()})
     * @return a new process, not yet started
     */
    IpcProcess newWorker(String name, ProcessTarget target, List<String> jvmOptions);
}
