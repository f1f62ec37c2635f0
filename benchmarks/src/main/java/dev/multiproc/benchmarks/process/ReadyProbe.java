package dev.multiproc.benchmarks.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * The child's side of the start benchmark: connects to the parent's Unix-domain socket and
 * sends one byte, the "first message". Also a plain {@code main} for the raw-JVM baseline.
 */
public final class ReadyProbe {
    private ReadyProbe() {
    }

    /** @param args the socket path */
    public static void main(String[] args) {
        signal(args[0]);
    }

    /** @param socketPath where the parent listens */
    public static void signal(String socketPath) {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(Path.of(socketPath)));
            c.write(ByteBuffer.wrap(new byte[]{1}));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot signal readiness on " + socketPath, e);
        }
    }
}
