package dev.multiproc.launcher;

import dev.multiproc.IpcProcess;
import dev.multiproc.Pool;
import dev.multiproc.PoolOptions;
import dev.multiproc.ProcessTarget;
import dev.multiproc.launcher.internal.ChildProcess;
import dev.multiproc.launcher.internal.ChildRegistry;
import dev.multiproc.launcher.internal.LaunchSpec;
import dev.multiproc.launcher.pool.WorkerPools;
import dev.multiproc.spi.ContextServices;
import dev.multiproc.spi.ProcessLauncher;

import java.util.List;

/**
 * The {@link ProcessLauncher} of module worker-launcher, found by {@link java.util.ServiceLoader}:
 * each process is a child JVM started with this JVM's {@code java}, class path and module
 * options. Thread-safe; all instances share this JVM's children.
 */
public final class JvmProcessLauncher implements ProcessLauncher {
    /** Creates the launcher; called by {@link java.util.ServiceLoader}. */
    public JvmProcessLauncher() {
    }

    @Override
    public IpcProcess newProcess(ContextServices services, String name, ProcessTarget target) {
        return new ChildProcess(services, name, target, LaunchSpec.inherited());
    }

    /** Workers are child JVMs as {@link #newProcess} starts them, plus {@link PoolOptions#jvmOptions()}. */
    @Override
    public Pool newPool(ContextServices services, PoolOptions options) {
        return WorkerPools.start(services, options, (name, target, jvmOptions) ->
                new ChildProcess(services, name, target, LaunchSpec.inherited().withJvmOptions(jvmOptions)));
    }

    @Override
    public List<IpcProcess> activeChildren() {
        return ChildRegistry.activeChildren();
    }
}
