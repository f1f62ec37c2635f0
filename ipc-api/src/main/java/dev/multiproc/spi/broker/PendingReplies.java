package dev.multiproc.spi.broker;

import dev.multiproc.QueueClosedException;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The requests a {@link QueueClient} waits to have answered by its broker, by request id: each is a
 * future completed by the broker's REPLY or ERROR, or failed when the connection goes. Thread-safe.
 */
final class PendingReplies {
    /** A broker's answer to one request. */
    record Reply(byte status, long value) {
    }

    private final Map<Long, CompletableFuture<Reply>> replies = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    /** @return a fresh request id */
    long next() {
        return ids.incrementAndGet();
    }

    /**
     * @param id   a request about to be sent
     * @param gone why no request may be sent now, or null
     * @return the future of its answer
     */
    CompletableFuture<Reply> expect(long id, Supplier<RuntimeException> gone) {
        CompletableFuture<Reply> f = new CompletableFuture<>();
        replies.put(id, f);
        RuntimeException why = gone.get();
        if (why != null) {
            replies.remove(id);
            throw why;
        }
        return f;
    }

    /** The broker answered. */
    void complete(long id, byte status, long value) {
        CompletableFuture<Reply> f = replies.remove(id);
        if (f != null) {
            f.complete(new Reply(status, value));
        }
    }

    /** The broker refused the request. */
    void fail(long id, String message) {
        CompletableFuture<Reply> f = replies.remove(id);
        if (f != null) {
            f.completeExceptionally(new IllegalStateException(message));
        }
    }

    /** The connection is gone: every request waiting fails. */
    void failAll(RuntimeException why) {
        for (Long id : replies.keySet()) {
            CompletableFuture<Reply> f = replies.remove(id);
            if (f != null) {
                f.completeExceptionally(why);
            }
        }
    }

    /** @return the reply, or null after nanos (negative: no limit) */
    static Reply await(CompletableFuture<Reply> reply, long nanos) throws InterruptedException {
        try {
            return nanos < 0 ? reply.get() : reply.get(nanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            throw rethrow(e);
        }
    }

    /** @return the reply; an interrupt while waiting is kept for the caller */
    static Reply awaitUninterruptibly(CompletableFuture<Reply> reply) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return reply.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    throw rethrow(e);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static RuntimeException rethrow(ExecutionException e) {
        if (e.getCause() instanceof IllegalStateException ise) {
            return new IllegalStateException(ise.getMessage(), ise);
        }
        if (e.getCause() instanceof QueueClosedException qce) {
            return new QueueClosedException(qce.getMessage(), qce);
        }
        return new IllegalStateException(e.getCause());
    }
}
