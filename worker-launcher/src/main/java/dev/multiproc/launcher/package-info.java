/**
 * Module worker-launcher: child JVMs ({@link dev.multiproc.IpcProcess}) and pools, registered
 * as the {@link dev.multiproc.spi.ProcessLauncher} service. Internals live in
 * {@code dev.multiproc.launcher.internal}.
 */
package dev.multiproc.launcher;
