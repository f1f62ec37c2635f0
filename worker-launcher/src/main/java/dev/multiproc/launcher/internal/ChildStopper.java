package dev.multiproc.launcher.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.List;

/**
 * Stops children the way a careful operator would: ask (SIGTERM), wait with a bound, force
 * (SIGKILL), wait with a bound again, and log why and what happened.
 */
final class ChildStopper {
    private static final Logger LOG = LoggerFactory.getLogger(ChildStopper.class);

    private ChildStopper() {
    }

    /**
     * @param children the children to stop; those already exited are skipped
     * @param grace    how long to wait after SIGTERM, and again after SIGKILL
     * @param why      the reason, for the log
     */
    static void stop(Collection<ChildProcess> children, Duration grace, String why) {
        List<ChildProcess> alive = children.stream().filter(ChildProcess::isAlive).toList();
        if (alive.isEmpty()) {
            return;
        }
        LOG.info("terminating {} ({}): {}", alive, alive.size(), why);
        alive.forEach(ChildProcess::terminate);
        List<ChildProcess> survivors = awaitAll(alive, grace);
        if (survivors.isEmpty()) {
            return;
        }
        LOG.warn("killing {}: still running {} ms after SIGTERM", survivors, grace.toMillis());
        survivors.forEach(ChildProcess::kill);
        List<ChildProcess> stuck = awaitAll(survivors, grace);
        if (!stuck.isEmpty()) {
            LOG.error("{} still not reaped {} ms after SIGKILL", stuck, grace.toMillis());
        }
    }

    private static List<ChildProcess> awaitAll(List<ChildProcess> children, Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        boolean interrupted = false;
        for (ChildProcess c : children) {
            try {
                c.join(Duration.ofNanos(deadline - System.nanoTime()));
            } catch (InterruptedException e) {
                interrupted = true; // keep stopping the others; the flag is restored below
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return children.stream().filter(ChildProcess::isAlive).toList();
    }
}
