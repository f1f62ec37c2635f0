package dev.multiproc.launcher;

import dev.multiproc.Context;
import dev.multiproc.launcher.internal.SpareJvms;
import dev.multiproc.spi.ContextServices;

import java.time.Duration;

/**
 * The warm spare JVMs of a context ({@code multiproc.spares}, DESIGN.md "Starting processes
 * fast"). A context starts its spares behind its first {@code start()}; a program that wants even
 * its first child or pool worker fast calls {@link #awaitWarm} once at start-up, off its critical
 * path.
 */
public final class WarmSpares {
    private WarmSpares() {
    }

    /**
     * Starts a spare for the context's children (its JVM options) if none is there, and waits
     * until one has warmed up, so that the next {@code start()} (or a pool's first worker, when
     * the pool adds no JVM options) is a hand-over.
     *
     * @param context a context of this library
     * @param timeout the longest wait
     * @return whether a warm spare waits; false when the context keeps none ({@code spares(0)})
     * @throws InterruptedException if interrupted while waiting
     */
    public static boolean awaitWarm(Context context, Duration timeout) throws InterruptedException {
        if (!(context instanceof ContextServices services)) {
            throw new IllegalArgumentException("not a context of this library: " + context);
        }
        return SpareJvms.awaitWarm(services, timeout);
    }
}
