/**
 * Module worker-launcher: child JVMs ({@link dev.multiproc.IpcProcess}) and pools, registered
 * as the {@link dev.multiproc.spi.ProcessLauncher} service. Internals live in
 * {@code dev.multiproc.launcher.internal}.
 *
 * <h2>How a child JVM starts</h2>
 * <ul>
 *   <li>Command: this JVM's {@code java}, its module and native-access options
 *       ({@code --add-opens}, {@code --add-exports}, {@code --add-reads}, {@code --add-modules},
 *       {@code --enable-native-access}, {@code --sun-misc-unsafe-memory-access},
 *       {@code --enable-preview}), its {@code -Dmultiproc.*} and {@code -Dchronicle.*} options,
 *       {@code java.library.path} and output encodings, the options of
 *       {@code -Dmultiproc.jvmOptions} (and, for a pool, {@code PoolOptions.jvmOptions()}), and
 *       its class path, with manifest-only jars (Surefire's booter jar) expanded. Heap size and
 *       other {@code -X} options are not inherited: give them in {@code -Dmultiproc.jvmOptions}.</li>
 *   <li>Bootstrap: a protobuf {@code Bootstrap} on the child's stdin (name, daemon flag, parent,
 *       control socket, a 32-byte random authkey, the serialized target, {@code multiproc.*}
 *       system properties). The child connects back to a per-child Unix-domain socket
 *       ({@code multiproc-ctl-<pid>-*.sock}, deleted once it is in), presents the authkey,
 *       runs the target and reports {@code Exit} (completed, or failed with the remote error).</li>
 *   <li>Output: the child's stdout and stderr are pipes copied into this JVM's
 *       {@code System.out}/{@code System.err}.</li>
 * </ul>
 *
 * <h2>Lifetime</h2>
 * <ul>
 *   <li>A child halts as soon as its parent is gone, even after a SIGKILL: its stdin reaches end
 *       of file (and, as a backup, it notices it was re-parented).</li>
 *   <li>When this JVM exits normally, daemon children are terminated (SIGTERM, 2 s, SIGKILL)
 *       and non-daemon children are waited for, as in Python.</li>
 *   <li>Closing a {@link dev.multiproc.Context} stops the children it started that still run
 *       (SIGTERM, 2 s, SIGKILL), and logs why.</li>
 *   <li>Exit codes: 0, 1 after an uncaught exception, n after {@code System.exit(n)}, -N after
 *       signal N ({@code terminate()} gives -15, {@code kill()} -9).</li>
 *   <li>After the target returns, the child waits for the non-daemon threads it left running,
 *       as Python and a JVM's {@code main} do, then exits; it exits at once if its parent dies.</li>
 * </ul>
 */
package dev.multiproc.launcher;
