package dev.multiproc.launcher;

import dev.multiproc.IpcProcess;
import dev.multiproc.Pool;
import dev.multiproc.PoolOptions;
import dev.multiproc.ProcessTarget;
import dev.multiproc.launcher.internal.ChildProcess;
import dev.multiproc.launcher.internal.ChildRegistry;
import dev.multiproc.launcher.internal.LaunchSpec;
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

    @Override
    public Pool newPool(ContextServices services, PoolOptions options) {
        throw new UnsupportedOperationException("Pool is being built in the pool work");
    }

    @Override
    public List<IpcProcess> activeChildren() {
        return ChildRegistry.activeChildren();
    }
}
