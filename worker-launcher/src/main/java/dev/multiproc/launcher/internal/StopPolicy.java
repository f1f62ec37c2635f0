package dev.multiproc.launcher.internal;

import dev.multiproc.spi.log.Log;
import dev.multiproc.spi.wait.Timers;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The one way Multiproc stops a process it started, as a careful operator would: ask, wait with a
 * bound, force, wait with a bound again, and log why and what happened. For a child "ask" is
 * SIGTERM; for a pool worker it is closing its task channel (the worker exits when its channel
 * ends). Stateless.
 */
public final class StopPolicy {
    private static final Log LOG = Log.of(StopPolicy.class);

    /** A process that can be stopped. */
    public interface Stoppable {
        /** Asks it to stop (SIGTERM, or closing its channel). */
        void ask();

        /** Forces it to stop (SIGKILL). */
        void force();

        /** @return completed once it has exited */
        CompletableFuture<?> exited();

        /** @return whether it still runs */
        default boolean isAlive() {
            return !exited().isDone();
        }
    }

    private StopPolicy() {
    }

    /**
     * Stops processes and waits until they are gone (at most twice the grace).
     *
     * @param targets the processes; those already exited are skipped
     * @param grace   how long to wait after asking, and again after forcing
     * @param why     the reason, for the log
     */
    public static void stop(Collection<? extends Stoppable> targets, Duration grace, String why) {
        List<? extends Stoppable> alive = targets.stream().filter(Stoppable::isAlive).toList();
        if (alive.isEmpty()) {
            return;
        }
        LOG.info("stopping {} ({}): {}", alive, alive.size(), why);
        alive.forEach(Stoppable::ask);
        List<? extends Stoppable> survivors = awaitAll(alive, grace);
        if (survivors.isEmpty()) {
            return;
        }
        LOG.warn("killing {}: still running {} ms after they were asked to stop", survivors, grace.toMillis());
        survivors.forEach(Stoppable::force);
        List<? extends Stoppable> stuck = awaitAll(survivors, grace);
        if (!stuck.isEmpty()) {
            LOG.error("{} still not reaped {} ms after SIGKILL", stuck, grace.toMillis());
        }
    }

    /**
     * Stops a process without waiting here: asks now, forces it if it has not exited after the
     * grace, and logs why.
     *
     * @param target the process
     * @param grace  how long it may take to exit once asked
     * @param why    the reason, for the log if it has to be forced
     */
    public static void stopInBackground(Stoppable target, Duration grace, String why) {
        target.ask();
        forceIfNotGone(target, grace, why);
    }

    /**
     * Forces a process that should be exiting on its own if it has not within the grace.
     *
     * @param target the process
     * @param grace  how long it may take
     * @param why    why it should be exiting, for the log
     */
    public static void forceIfNotGone(Stoppable target, Duration grace, String why) {
        Timers.within(target.exited(), grace).exceptionally(timeout -> {
            LOG.warn("killing {}: {}, but it did not exit within {} ms", target, why, grace.toMillis());
            target.force();
            return null;
        });
    }

    private static List<? extends Stoppable> awaitAll(List<? extends Stoppable> targets, Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        boolean interrupted = false;
        for (Stoppable t : targets) {
            try {
                t.exited().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                interrupted = true; // keep stopping the others; the flag is restored below
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                // still running, or its monitor failed: counted below
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return targets.stream().filter(Stoppable::isAlive).toList();
    }
}
