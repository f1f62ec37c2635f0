package dev.multiproc.pipe.internal;

import dev.multiproc.Serializer;
import dev.multiproc.spi.ContextSettings;
import dev.multiproc.spi.channel.ChannelConnection;
import dev.multiproc.wire.HandleDescriptor;

import java.util.List;

/**
 * What a child does with a pipe end its target captured, run inside one JVM so that a spare has
 * loaded and compiled it before it becomes a child: the end is serialized and read back as a
 * handle, taken over this process's own fd sharer (connect, authkey handshake, request,
 * {@code SCM_RIGHTS}), and then used for a send and a receive of a small object. Every end and
 * the sharer's server are closed again; nothing a child could see is left behind.
 */
final class PipeRehearsal {
    /** Enough rounds for C1 to compile the hot methods of the path. */
    private static final int ROUNDS = 60;

    private PipeRehearsal() {
    }

    /** Runs the rounds; an error means only a colder start, and is thrown to the caller. */
    static void run() {
        Serializer serializer = Serializer.standard();
        FdSharer sharer = FdSharer.instance();
        for (int i = 0; i < ROUNDS; i++) {
            ChannelConnection[] ends = PipeEnds.pair(false, ContextSettings.LOCAL_MAX_FRAME_BYTES, serializer, end -> {
            });
            try (ChannelConnection in = ends[0]; ChannelConnection out = ends[1]) {
                // a handle written and read back in its own process resolves to the end itself
                Object same = serializer.deserialize(serializer.serialize(List.of(out, i)));
                if (!(same instanceof List<?> l) || l.getFirst() != out) {
                    throw new IllegalStateException("a pipe end read back in its own process is " + same);
                }
                HandleDescriptor d = sharer.export(out, out.describe(HandleDescriptor.newBuilder()));
                try (ChannelConnection taken = sharer.take(d)) {
                    taken.send(List.of("rehearsal", i));
                    in.recv();
                }
            }
        }
    }
}
