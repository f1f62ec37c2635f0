package dev.multiproc.launcher.internal;

import dev.multiproc.AuthenticationException;
import dev.multiproc.Serializer;
import dev.multiproc.spi.RemoteErrors;
import dev.multiproc.wire.Bootstrap;
import dev.multiproc.wire.Exit;
import dev.multiproc.wire.Hello;

import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;

/**
 * The child's end of its control channel: connects back to the parent's
 * {@link ControlListener}, authenticates with the bootstrap's authkey, and reports how the
 * target ended. Not thread-safe: used by the child's main thread.
 */
final class ControlClient implements AutoCloseable {
    private final SocketChannel channel;
    private final OutputStream out;

    private ControlClient(SocketChannel channel) {
        this.channel = channel;
        this.out = Channels.newOutputStream(channel);
    }

    /**
     * @param bootstrap what the parent sent
     * @return a connected, authenticated client
     * @throws IOException             if the parent cannot be reached
     * @throws AuthenticationException if the parent dropped the connection after the Hello
     */
    static ControlClient connect(Bootstrap bootstrap) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(bootstrap.getControlAddress()));
            ControlClient client = new ControlClient(channel);
            ControlFrames.write(client.out, Hello.newBuilder()
                    .setChildId(bootstrap.getChildId())
                    .setPid(ProcessHandle.current().pid())
                    .setAuthkey(bootstrap.getAuthkey())
                    .build());
            Hello answer = ControlFrames.read(Channels.newInputStream(channel), Hello.parser(), ControlFrames.MAX_HELLO_BYTES);
            if (answer == null || answer.getChildId() != bootstrap.getChildId()) {
                throw new AuthenticationException("parent " + bootstrap.getParentName() + " (pid " + bootstrap.getParentPid()
                        + ") did not accept the control connection of child " + bootstrap.getChildId()
                        + " on " + bootstrap.getControlAddress());
            }
            return client;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * @param failure    the target's uncaught exception, or null if it returned
     * @param serializer serializer for the exception
     * @throws IOException if the parent is gone
     */
    void reportExit(Throwable failure, Serializer serializer) throws IOException {
        Exit.Builder exit = Exit.newBuilder().setKind(failure == null ? Exit.Kind.COMPLETED : Exit.Kind.FAILED);
        if (failure != null) {
            exit.setError(RemoteErrors.toWire(failure, serializer));
        }
        ControlFrames.write(out, exit.build());
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
