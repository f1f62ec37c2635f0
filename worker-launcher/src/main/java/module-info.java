/**
 * Child JVMs ({@link dev.multiproc.IpcProcess}) and the process pool, started with this JVM's
 * {@code java}, class path or module path, and JVM options.
 */
module dev.multiproc.launcher {
    requires transitive dev.multiproc.api;
    requires java.management;

    exports dev.multiproc.launcher;
    exports dev.multiproc.launcher.pool;

    provides dev.multiproc.spi.ProcessLauncher with dev.multiproc.launcher.JvmProcessLauncher;
}
