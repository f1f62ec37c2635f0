/**
 * The "shm" transport (pipes over shared-memory rings, queues of shared-memory slots), and
 * shared values, arrays, memory blocks and synchronization primitives in memory-mapped files,
 * sleeping in {@code futex(2)} through FFM (the JVM needs
 * {@code --enable-native-access=dev.multiproc.shm}).
 */
module dev.multiproc.shm {
    requires transitive dev.multiproc.api;

    exports dev.multiproc.shm;

    provides dev.multiproc.spi.TransportProvider with dev.multiproc.shm.ShmTransport;
    provides dev.multiproc.spi.SharedObjectsProvider with dev.multiproc.shm.ShmSharedObjectsProvider;
    provides dev.multiproc.spi.HandleResolver with dev.multiproc.shm.ShmHandleResolver;
}
