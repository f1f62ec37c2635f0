package dev.multiproc.launcher.pool.internal;

import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/**
 * The pool's side of one started worker: its task channel and its process. Implemented over an
 * {@link dev.multiproc.IpcProcess} and a {@link dev.multiproc.Connection}, and in-process for
 * unit tests. Thread-safe: one thread sends while another receives.
 */
interface WorkerChannel {
    /** @return the worker's pid */
    long pid();

    /**
     * @param frame a {@link dev.multiproc.wire.TaskBatch}
     * @throws RuntimeException if the worker is gone
     */
    void send(byte[] frame);

    /**
     * @return the next {@link dev.multiproc.wire.WorkerReport}, waiting for it
     * @throws RuntimeException at end of stream (the worker exited or the channel was closed)
     */
    byte[] receive();

    /**
     * @param timeout how long to wait; zero to only look
     * @return whether a {@link #receive()} can start without waiting (a report, or the end of
     *         the stream, is there)
     * @throws RuntimeException if the channel is closed
     */
    boolean poll(java.time.Duration timeout);

    /**
     * Like {@link #receive()}, for a caller that has just seen {@link #poll} return true: it
     * reads without waiting for the channel to become readable first.
     *
     * @return the next {@link dev.multiproc.wire.WorkerReport}
     * @throws RuntimeException at end of stream (the worker exited or the channel was closed)
     */
    byte[] receivePolled();

    /** @return completed with the worker's exit code once its process has exited (always normally) */
    CompletableFuture<OptionalInt> exited();

    /** Closes the pool's end: the worker sees end of stream and exits. Idempotent. */
    void close();

    /** Kills the worker process (SIGKILL) and closes the pool's end. */
    void kill();

    /** @return the end of what the worker wrote to its stderr (complete once {@link #exited()} is), or "" */
    default String stderrTail() {
        return "";
    }
}
