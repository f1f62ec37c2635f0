package dev.multiproc;

import dev.multiproc.internal.DefaultContext;
import dev.multiproc.spi.ContextSettings;
import dev.multiproc.spi.ProcessIdentity;
import dev.multiproc.spi.Providers;
import dev.multiproc.spi.process.OwnedFiles;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Entry point: contexts, and facts about the current process and its children. */
public final class Multiproc {
    /** System property naming the default transport ({@link ContextSettings#TRANSPORT}). */
    public static final String TRANSPORT_PROPERTY = ContextSettings.TRANSPORT;

    private Multiproc() {
    }

    /**
     * @return a context on {@code -Dmultiproc.transport}, else "shm" on Linux when its module is
     *         present, else "pipe"
     */
    public static Context context() {
        return context(ContextOptions.builder().build());
    }

    /**
     * @param transport "pipe", "shm" or "socket"
     * @return a new context on that transport
     * @throws IllegalArgumentException if the transport is unknown; a known transport whose module is
     *         missing fails when a channel is first needed, naming the artifact to add
     */
    public static Context context(String transport) {
        return context(ContextOptions.builder().transport(transport).build());
    }

    /**
     * Opens a context. First removes, from its shared-memory and socket directories, the files
     * that processes which died without cleaning up (SIGKILL) left there, judged by the owner's
     * pid and start time in each name.
     *
     * @param options transport, serializer and settings of the context
     * @return a new context
     * @throws IllegalArgumentException if the transport is unknown or a setting is malformed
     */
    public static Context context(ContextOptions options) {
        Objects.requireNonNull(options, "options");
        String transport = options.transport()
                .or(() -> Optional.ofNullable(options.settings().get(ContextSettings.TRANSPORT)))
                .or(() -> Optional.ofNullable(ContextSettings.systemProperty(ContextSettings.TRANSPORT)))
                .orElseGet(Providers::defaultTransport);
        Providers.checkTransportName(transport);
        ContextSettings settings = ContextSettings.resolve(transport, options.settings());
        // what processes killed by SIGKILL left: segments, socket files, queue journals
        OwnedFiles.sweepAll(settings.shmDirectory());
        OwnedFiles.sweepAll(settings.socketDirectory());
        return new DefaultContext(settings, options.serializer().orElseGet(Serializer::standard));
    }

    /** @return name, pid and daemon flag of this process ({@code MainProcess} unless started by Multiproc) */
    public static ProcessInfo currentProcess() {
        return ProcessIdentity.current();
    }

    /** @return the process that started this one, if Multiproc started it */
    public static Optional<ProcessInfo> parentProcess() {
        return ProcessIdentity.parent();
    }

    /** @return the children of this process that are alive */
    public static List<IpcProcess> activeChildren() {
        return Providers.launcherIfPresent().map(l -> l.activeChildren()).orElse(List.of());
    }

    /** @return the number of CPUs this JVM may use */
    public static int cpuCount() {
        return Runtime.getRuntime().availableProcessors();
    }
}
