package dev.multiproc.shm;

import dev.multiproc.shm.internal.SegmentSweeper;
import dev.multiproc.shm.internal.ShmSharedObjects;
import dev.multiproc.spi.ContextServices;
import dev.multiproc.spi.SharedObjects;
import dev.multiproc.spi.SharedObjectsProvider;

import java.nio.file.Path;

/**
 * Shared values, arrays, memory blocks and synchronization primitives in memory-mapped files of
 * the context's shm directory ({@code /dev/shm} by default), found with
 * {@link java.util.ServiceLoader}. Opening it for a context first sweeps the directory for
 * segments whose owner process died (a SIGKILLed parent leaves nothing behind for long), then
 * registers the new factory with the context, which closes it (unlinking every segment it
 * created) when it closes. Thread-safe.
 */
public final class ShmSharedObjectsProvider implements SharedObjectsProvider {
    /** Creates the provider (called by {@link java.util.ServiceLoader}). */
    public ShmSharedObjectsProvider() {
    }

    @Override
    public SharedObjects open(ContextServices services) {
        Path directory = services.settings().shmDirectory();
        SegmentSweeper.sweep(directory);
        ShmSharedObjects objects = new ShmSharedObjects(directory, services.settings().waits());
        services.onClose(objects); // idempotent close: harmless if the context also registers it
        return objects;
    }
}
