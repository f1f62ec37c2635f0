package dev.multiproc.spi;

import dev.multiproc.IpcProcess;
import dev.multiproc.Pool;
import dev.multiproc.PoolOptions;
import dev.multiproc.ProcessTarget;

import java.util.List;

/** Starts child JVMs and pools (module worker-launcher). */
public interface ProcessLauncher {
    /**
     * @param services the context's services
     * @param name     the process name, or null for {@code Process-N}
     * @param target   what the child runs
     * @return a new, not yet started, process
     */
    IpcProcess newProcess(ContextServices services, String name, ProcessTarget target);

    /**
     * @param services the context's services
     * @param options  pool options
     * @return a started pool
     */
    Pool newPool(ContextServices services, PoolOptions options);

    /** @return the children of this process that are alive */
    List<IpcProcess> activeChildren();
}
