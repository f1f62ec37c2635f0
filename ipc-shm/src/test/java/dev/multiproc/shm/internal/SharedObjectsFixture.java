package dev.multiproc.shm.internal;

import dev.multiproc.spi.ContextSettings;
import org.junit.jupiter.api.AfterEach;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * What the in-process unit tests of the shm primitives share: one {@link ShmSharedObjects} in the
 * default shm directory and a thread pool for the other participants. After each test the pool is
 * interrupted and the shared objects closed (removing their segment files).
 */
abstract class SharedObjectsFixture {
    /** Hands out the primitives under test; closed after each test. */
    final ShmSharedObjects shared = new ShmSharedObjects(ContextSettings.defaultShmDirectory());
    /** Runs the other participants; shut down (interrupted) after each test. */
    final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    final void closeFixture() {
        pool.shutdownNow();
        shared.close();
    }
}
