/**
 * Module ipc-shm: shared values, arrays, memory blocks and synchronization primitives in
 * memory-mapped files, registered as the {@link dev.multiproc.spi.SharedObjectsProvider} and the
 * {@link dev.multiproc.spi.HandleResolver} of provider {@code "shm"}. Internals (segment layouts,
 * futex calls, the primitives themselves) live in {@code dev.multiproc.shm.internal}.
 */
package dev.multiproc.shm;
