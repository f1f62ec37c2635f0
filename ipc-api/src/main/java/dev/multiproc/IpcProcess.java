package dev.multiproc;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/**
 * A child JVM running a {@link ProcessTarget} (Python's {@code multiprocessing.Process}).
 * Thread-safe.
 */
public interface IpcProcess {
    /**
     * Starts the child JVM. At most once.
     *
     * @return this process
     * @throws IllegalStateException if already started
     */
    IpcProcess start();

    /** @return the process name ({@code Process-N} unless one was given) */
    String name();

    /**
     * @return the child's pid
     * @throws IllegalStateException before {@link #start()}
     */
    long pid();

    /** @return whether this is a daemon child: terminated, not waited for, when the parent exits */
    boolean isDaemon();

    /**
     * @param daemon whether the child is a daemon
     * @throws IllegalStateException after {@link #start()}
     */
    void setDaemon(boolean daemon);

    /** @return whether the child has started and not yet exited */
    boolean isAlive();

    /**
     * Waits until the child exits.
     *
     * @throws InterruptedException if interrupted while waiting
     * @throws IllegalStateException before {@link #start()}
     */
    void join() throws InterruptedException;

    /**
     * Waits at most {@code timeout} for the child to exit.
     *
     * @param timeout how long to wait; zero or negative does not wait
     * @return true if the child has exited
     * @throws InterruptedException if interrupted while waiting
     */
    boolean join(Duration timeout) throws InterruptedException;

    /**
     * @return empty while running (or before start); 0 when the target returned; 1 after an
     *         uncaught exception; n after {@code System.exit(n)}; -N when killed by signal N
     */
    OptionalInt exitCode();

    /** Asks the child to stop with SIGTERM; its exit code becomes -15. */
    void terminate();

    /** Kills the child with SIGKILL; its exit code becomes -9. */
    void kill();

    /** @return a future completed with this process once it has exited */
    CompletableFuture<IpcProcess> onExit();

    /**
     * @return the target's uncaught exception, once the child has exited because of it; or, when the
     *         child's JVM exited with an error before it ran the target (a bad JVM option, a class path
     *         without the library), a failure whose message gives the exit code and the end of its stderr
     */
    Optional<RemoteException> failure();
}
