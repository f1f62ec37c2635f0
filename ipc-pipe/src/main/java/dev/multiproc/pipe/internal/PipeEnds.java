package dev.multiproc.pipe.internal;

import dev.multiproc.Connection;
import dev.multiproc.Pipe;
import dev.multiproc.Serializer;
import dev.multiproc.spi.channel.ChannelConnection;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The two ends of a pipe.
 *
 * @param left  the left end (receives on a one-way pipe)
 * @param right the right end (sends on a one-way pipe)
 */
record PipeEnds(Connection left, Connection right) implements Pipe {
    private static final AtomicLong PIPES = new AtomicLong();

    /**
     * Creates both ends of a new pipe over a {@code socketpair(2)}.
     *
     * @param duplex        false: the left end only receives, the right end only sends
     * @param maxFrameBytes the frame limit of both ends
     * @param serializer    for {@code send}/{@code recv}
     * @param onGone        told with each end when it closes or moves away
     * @return {left, right}
     */
    static ChannelConnection[] pair(boolean duplex, int maxFrameBytes, Serializer serializer,
                                    Consumer<ChannelConnection> onGone) {
        Libc.checkSupported();
        int left;
        int right;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment fds = call.allocate(ValueLayout.JAVA_INT, 2);
            int r = Libc.socketPair(fds, Libc.newCallState(call));
            if (r < 0) {
                throw new IllegalStateException("socketpair(AF_UNIX, SOCK_STREAM) failed: " + Libc.describe(-r));
            }
            left = fds.getAtIndex(ValueLayout.JAVA_INT, 0);
            right = fds.getAtIndex(ValueLayout.JAVA_INT, 1);
        }
        long number = PIPES.incrementAndGet();
        String kind = duplex ? "" : " (one-way)";
        FdSharer transfer = FdSharer.instance();
        return new ChannelConnection[]{
                new ChannelConnection(new PipeChannel(left, "left end of pipe " + number + kind, maxFrameBytes),
                        true, duplex, serializer, transfer, onGone),
                new ChannelConnection(new PipeChannel(right, "right end of pipe " + number + kind, maxFrameBytes),
                        duplex, true, serializer, transfer, onGone)};
    }
}
