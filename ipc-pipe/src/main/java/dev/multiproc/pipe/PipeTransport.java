package dev.multiproc.pipe;

import dev.multiproc.pipe.internal.PipeChannels;
import dev.multiproc.spi.Channels;
import dev.multiproc.spi.ContextServices;
import dev.multiproc.spi.TransportProvider;

/**
 * The "pipe" transport: a {@link dev.multiproc.Pipe} is a Unix-domain stream socket pair, as
 * Python's {@code multiprocessing.Pipe()} is.
 *
 * <h2>How an end reaches another process</h2>
 * An open socket cannot travel through Java serialization, so the transport does what CPython
 * does: it passes the file descriptor itself. {@code pipe()} calls {@code socketpair(2)}; an end
 * that is serialized (captured by a lambda given to {@code ctx.process(...)}, or sent through
 * another connection) writes a small descriptor. The process that reads it connects to the
 * creator's per-process "fd sharer" (an abstract-namespace Unix socket, authenticated by a
 * random token in the descriptor) and receives the descriptor with {@code SCM_RIGHTS}; the
 * creator then closes its copy. So:
 * <ul>
 *   <li>messages sent before the child started wait in the kernel's socket buffer;</li>
 *   <li>the parent need not close the end it handed to a child (unlike Python), and the
 *       surviving end sees end of stream as soon as the child exits or dies;</li>
 *   <li>an end already used in one process cannot move to another: taking it fails with an
 *       error naming the process that used it, and using a moved end in its creator fails
 *       naming the process it moved to;</li>
 *   <li>no socket file is created, so none is ever left behind.</li>
 * </ul>
 *
 * <h2>Wire and performance</h2>
 * Frames are a 4-byte little-endian length and the payload, at most
 * {@code multiproc.maxFrameBytes} (default 2 GiB - 1), checked before any allocation on both
 * sides. An idle connection writes each message at once; rapid bursts of sends (no receive in
 * between, less than 20 µs apart) are coalesced into one {@code send(2)}, flushed when the 64 KiB
 * buffer fills, by the sender's next send after a pause, receive, poll or close, by a flusher
 * thread 50 µs later (retrying with a growing delay, up to 10 ms, while the peer's buffer is
 * full), and by a shutdown hook when the JVM exits normally. A process killed within those
 * 50 µs of a send loses what was still buffered, as it would lose anything not yet written.
 * A receive never waits for a send. Receives read 64 KiB at a time and cut many frames from one
 * {@code read(2)}.
 *
 * <h2>Platforms</h2>
 * The native calls (FFM downcalls to libc) are written for Linux on x86-64 and aarch64. On any
 * other platform the module still loads, and {@code pipe()} throws
 * {@link UnsupportedOperationException} naming the platform and suggesting the "socket"
 * transport.
 */
public final class PipeTransport implements TransportProvider {
    /** The transport name. */
    public static final String NAME = "pipe";

    /** Creates the provider (called by {@link java.util.ServiceLoader}). */
    public PipeTransport() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Channels open(ContextServices services) {
        return new PipeChannels(services);
    }
}
