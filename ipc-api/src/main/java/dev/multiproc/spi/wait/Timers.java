package dev.multiproc.spi.wait;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The library's one timer thread, for delayed actions and timeouts: used instead of
 * {@link CompletableFuture#delayedExecutor} and {@link CompletableFuture#orTimeout}, whose JDK
 * scheduler thread never ends and joins the thread group of the code that first used it. A
 * runner that waits for the threads of the user's program, as {@code mvn exec:java} does, then
 * waits 15 s for it at the end of every run. This thread lives in the top thread group, and ends
 * after a second with nothing to do; cancelled timers are dropped at once. Thread-safe.
 */
public final class Timers {
    private static final ScheduledThreadPoolExecutor TIMER = newTimer();

    private Timers() {
    }

    private static ScheduledThreadPoolExecutor newTimer() {
        ThreadGroup top = Thread.currentThread().getThreadGroup();
        while (top.getParent() != null) {
            top = top.getParent();
        }
        ThreadGroup group = top;
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
                task -> Thread.ofPlatform().group(group).name("multiproc-timer").daemon(true).unstarted(task));
        timer.setKeepAliveTime(1, TimeUnit.SECONDS);
        timer.allowCoreThreadTimeOut(true);
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    /**
     * @param delay how long to wait
     * @param task  what to run then, on the timer thread (it must be short: hand longer work to a thread of its own)
     * @return the timer, to cancel it
     */
    public static ScheduledFuture<?> after(Duration delay, Runnable task) {
        return TIMER.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
    }

    /**
     * @param future  a future
     * @param timeout how long it may take
     * @param <T>     its value's type
     * @return a copy that completes as it does, or with a {@link TimeoutException} after the timeout;
     *         the timer is cancelled when the future completes first
     */
    public static <T> CompletableFuture<T> within(CompletableFuture<T> future, Duration timeout) {
        CompletableFuture<T> copy = future.copy();
        ScheduledFuture<?> timer = after(timeout, () -> copy.completeExceptionally(
                new TimeoutException("not completed within " + timeout.toMillis() + " ms")));
        copy.whenComplete((value, error) -> timer.cancel(false));
        return copy;
    }
}
