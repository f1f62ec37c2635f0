package dev.multiproc.spi.broker;

import java.util.concurrent.TimeUnit;

/**
 * The moment a queue's given-back items wait for a consumer that can take them in its order
 * ({@link ReadyItems}) before they go to any waiting consumer: such a consumer is likely busy
 * with the items before them and asks again soon. The ledger asks {@link #expired()} while items
 * wait like this and {@link #cancel()}s when none do; the broker waits no longer than
 * {@link #due()}. Not thread-safe: the ledger's.
 */
final class GivenBackGrace {
    /** How long given-back items wait for a consumer that can take them in order. */
    static final long NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final Runnable onStart;
    /** When the moment ends ({@code System.nanoTime()}, never 0), or 0 while none runs. */
    private long due;

    /** @param onStart told when a moment starts, from whatever thread (a broker waiting without a limit must wake) */
    GivenBackGrace(Runnable onStart) {
        this.onStart = onStart;
    }

    /** @return whether the moment is over (it starts at the first call, and ends with a true) */
    boolean expired() {
        long now = System.nanoTime();
        if (due == 0) {
            due = (now + NANOS) | 1;
            onStart.run();
            return false;
        }
        if (now - due >= 0) {
            due = 0;
            return true;
        }
        return false;
    }

    /** No items wait any more: no moment runs. */
    void cancel() {
        due = 0;
    }

    /** @return when the running moment ends ({@code System.nanoTime()}), or 0 if none runs */
    long due() {
        return due;
    }

    /** @return whether a moment runs and is over, so the ledger has work */
    boolean isDue() {
        return due != 0 && System.nanoTime() - due >= 0;
    }
}
