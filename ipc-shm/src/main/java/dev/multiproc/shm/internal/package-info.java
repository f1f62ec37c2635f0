/**
 * Internals of ipc-shm, not part of the contract.
 *
 * <p><b>Segments.</b> One memory-mapped file per shared object ({@link dev.multiproc.shm.internal.Segment}),
 * starting with the header of {@link dev.multiproc.shm.internal.SegmentDescriptor}; each body
 * layout has its own {@code *Descriptor} class. {@link dev.multiproc.shm.internal.Segments} keeps
 * this JVM's owned and attached mappings; {@link dev.multiproc.shm.internal.SegmentSweeper} removes
 * those of dead processes.
 *
 * <p><b>Waiting.</b> The core's {@link dev.multiproc.spi.wait.WaitStrategy} (spin, yield, then
 * sleep in slices), with the settings of the context that made the object (handles carry them),
 * sleeping in {@link dev.multiproc.shm.internal.Futex}. Every primitive keeps a "someone may sleep" marker
 * (a contended bit or a sleeper count) so that the waking side calls into the kernel only when
 * needed.
 */
package dev.multiproc.shm.internal;
