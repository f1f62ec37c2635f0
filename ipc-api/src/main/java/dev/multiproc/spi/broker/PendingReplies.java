package dev.multiproc.spi.broker;

import dev.multiproc.QueueClosedException;
import dev.multiproc.spi.frame.FrameWriter.Urgency;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
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

    /** A request sent, and the future of its answer. */
    record Asked(long id, CompletableFuture<Reply> reply) {
    }

    /**
     * Sends a request (written by {@code send} with its id) at once; its answer is to come.
     *
     * @param gone why no request may be sent now, or null
     */
    Asked ask(BrokerLink out, LongConsumer send, Supplier<RuntimeException> gone) {
        long id = next();
        CompletableFuture<Reply> reply = expect(id, gone);
        send.accept(id);
        out.flush(Urgency.NOW);
        return new Asked(id, reply);
    }

    /**
     * Waits for an answer; at the timeout, or when interrupted, cancels the request and returns
     * its final answer. The broker may have applied the request before the cancel: the answer is
     * then OK, and an interrupt is kept set for the caller, as it came after the success.
     *
     * @param nanos how long to wait; negative waits without a timeout
     * @param link  the connection a cancel goes out on (the current one when it is sent)
     * @throws InterruptedException if interrupted and the request did not succeed
     */
    Reply awaitOrCancel(Asked asked, long nanos, Supplier<BrokerLink> link) throws InterruptedException {
        try {
            Reply r = await(asked.reply(), nanos);
            if (r != null) {
                return r;
            }
        } catch (InterruptedException e) {
            Reply last = cancel(asked, link.get());
            if (last.status() == QueueFrames.OK) {
                Thread.currentThread().interrupt();
                return last;
            }
            throw e;
        }
        return cancel(asked, link.get());
    }

    /** Cancels a waiting request and returns its final answer (OK if it had already succeeded). */
    private static Reply cancel(Asked asked, BrokerLink out) {
        out.longCommand(QueueFrames.CANCEL, asked.id());
        out.flush(Urgency.NOW);
        return awaitUninterruptibly(asked.reply());
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
