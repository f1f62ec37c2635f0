package dev.multiproc.launcher.internal;

import dev.multiproc.AuthenticationException;
import dev.multiproc.Serializer;
import dev.multiproc.spi.RemoteErrors;
import dev.multiproc.spi.auth.HandshakeSteps;
import dev.multiproc.spi.auth.NioFrameLink;
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
 * {@link ControlListener}, runs the authkey handshake with the bootstrap's key and sends its
 * Hello, and reports how the target ended. Not thread-safe: used by the child's main thread.
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
        String parent = "parent " + bootstrap.getParentName() + " (pid " + bootstrap.getParentPid() + ")";
        try {
            channel.connect(UnixDomainSocketAddress.of(bootstrap.getControlAddress()));
            Hello answer;
            try (NioFrameLink link = new NioFrameLink(channel, parent)) {
                long deadline = System.nanoTime() + HandshakeSteps.DEFAULT_TIMEOUT_NANOS;
                new HandshakeSteps(HandshakeSteps.Role.CLIENT, bootstrap.getAuthkey().toByteArray(), parent)
                        .run(link, HandshakeSteps.DEFAULT_TIMEOUT_NANOS);
                link.send(Hello.newBuilder().setChildId(bootstrap.getChildId()).setPid(ProcessHandle.current().pid())
                        .build().toByteArray());
                byte[] reply = link.receive((int) ControlFrames.MAX_HELLO_BYTES, Math.max(1, deadline - System.nanoTime()));
                answer = reply == null ? null : Hello.parseFrom(reply);
            }
            if (answer == null || answer.getChildId() != bootstrap.getChildId()) {
                throw new AuthenticationException(parent + " did not accept the control connection of child "
                        + bootstrap.getChildId() + " on " + bootstrap.getControlAddress());
            }
            channel.configureBlocking(true);
            return new ControlClient(channel);
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
