package dev.multiproc.spi;

import dev.multiproc.spi.log.Log;

/**
 * Runs clean-up steps that must all run even when one fails, and loses no failure: the first
 * is thrown at the end by {@link #rethrow()}, later ones are added to it as suppressed
 * (STYLE.md: "close() loses no failure"). Not thread-safe: one per close call.
 *
 * <pre>{@code
 * Cleanup cleanup = new Cleanup();
 * for (AutoCloseable r : resources) cleanup.close(r);
 * cleanup.rethrow();
 * }</pre>
 */
public final class Cleanup {
    private static final Log LOG = Log.of(Cleanup.class);
    private RuntimeException failure;

    /**
     * Closes a resource where a failure to close has nobody to go to: on a path that already
     * failed, or one that is shutting down. The failure is logged at debug level, naming the
     * resource.
     *
     * @param resource what to close; null is ignored
     */
    public static void closeQuietly(AutoCloseable resource) {
        if (resource == null) {
            return;
        }
        try {
            resource.close();
        } catch (Exception e) {
            LOG.debug("closing {} failed", resource, e);
        }
    }

    /**
     * Closes a resource; a checked failure is kept wrapped in an {@link IllegalStateException}
     * naming the resource.
     *
     * @param resource what to close
     * @return this
     */
    public Cleanup close(AutoCloseable resource) {
        try {
            resource.close();
        } catch (RuntimeException e) {
            record(e);
        } catch (Exception e) {
            record(new IllegalStateException("failed to release " + resource, e));
        }
        return this;
    }

    /**
     * @param step a clean-up step
     * @return this
     */
    public Cleanup run(Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            record(e);
        }
        return this;
    }

    /** Throws the first failure, with the later ones suppressed in it; returns if none failed. */
    public void rethrow() {
        if (failure != null) {
            throw failure;
        }
    }

    private void record(RuntimeException e) {
        if (failure == null) {
            failure = e;
        } else if (failure != e) {
            failure.addSuppressed(e);
        }
    }
}
