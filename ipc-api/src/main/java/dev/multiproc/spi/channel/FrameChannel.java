package dev.multiproc.spi.channel;

import dev.multiproc.spi.frame.Frame;
import dev.multiproc.spi.wait.Deadline;

import java.util.function.Function;

/**
 * A transport's channel of whole frames: what one end of a pipe is underneath, and what a
 * transport implements so that {@link ChannelConnection} gives it the whole {@link dev.multiproc.Connection}
 * contract. The stream transports build it from a {@link dev.multiproc.spi.frame.FrameDecoder} and a
 * {@link dev.multiproc.spi.frame.FrameWriter} over their own I/O.
 *
 * <p>Thread-safe: sends are serialized, receives (and polls) are serialized, and a send and a
 * receive may run at once.
 */
public interface FrameChannel {
    /** @return the channel's name in messages, e.g. "left end of pipe 3" */
    String label();

    /**
     * Sends one frame; small frames sent in a quick burst may be coalesced and written a few
     * microseconds later (see {@link dev.multiproc.spi.frame.FrameWriter.Urgency#BURST}).
     *
     * @param data   payload bytes
     * @param offset first byte
     * @param length payload length, already checked against the frame limit
     * @throws dev.multiproc.ConnectionClosedException if the peer is gone or the channel was closed
     */
    void send(byte[] data, int offset, int length);

    /**
     * Waits for the next frame and hands it to {@code reader}, which must consume it.
     *
     * @param reader reads the frame (for instance {@link Frame#toArray()})
     * @param <R>    what it makes of it
     * @return what the reader returned
     * @throws dev.multiproc.ConnectionClosedException at end of stream, saying how much of a cut frame arrived
     * @throws dev.multiproc.FrameTooLargeException    if the peer announces a frame over the limit
     */
    <R> R receive(Function<Frame, R> reader);

    /**
     * @param deadline when to give up; a passed deadline only looks (without waiting)
     * @return whether a receive can start without waiting: bytes of a frame, or the end of the
     *         stream, are there
     */
    boolean poll(Deadline deadline);

    /**
     * @return the pid of another process that took this end without this process's part (the shm
     *         transport's ends move by name), or 0 if it did not move; read at the end's first use
     */
    default long movedTo() {
        return 0;
    }

    /** @return the largest payload this channel sends or accepts */
    int maxFrameBytes();

    /**
     * Closes this end: writes what is still buffered (waiting a bounded time for the peer), wakes
     * a send or receive blocked in another thread, and releases the socket. The peer sees end of
     * stream. Called once.
     */
    void close();

    /**
     * Releases this process's resources after the end moved to another process, without ending
     * the stream: the socket lives on over there. Called once, instead of {@link #close()}.
     */
    void release();
}
