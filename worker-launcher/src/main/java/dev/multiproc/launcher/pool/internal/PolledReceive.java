package dev.multiproc.launcher.pool.internal;

import dev.multiproc.Connection;

import java.time.Duration;

/**
 * Receives the next frame on a pool channel by waiting in {@link Connection#poll} first, rather
 * than blocking in the read: a thread asleep in a socket read is also woken each time the peer
 * takes bytes out of the socket (the kernel's "room to write" wake-up reaches every sleeper on
 * the socket), and then runs for nothing. A poll waits for readable data only. Both ends of a
 * pool channel wait this way: the pool's reader for reports, the worker for tasks.
 */
final class PolledReceive {
    /** Longest single wait; the thread waits again after it. */
    private static final Duration WAIT_SLICE = Duration.ofHours(1);

    private PolledReceive() {
    }

    /**
     * @param connection the channel
     * @return the next frame, waiting for it
     * @throws RuntimeException at end of stream, or if the connection is closed
     */
    static byte[] next(Connection connection) {
        while (!connection.poll(WAIT_SLICE)) {
            // nothing yet: wait again
        }
        return connection.recvBytes();
    }
}
