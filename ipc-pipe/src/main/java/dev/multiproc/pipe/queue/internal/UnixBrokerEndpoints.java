package dev.multiproc.pipe.queue.internal;

import dev.multiproc.spi.ContextSettings;
import dev.multiproc.spi.broker.BrokerEndpoints;
import dev.multiproc.spi.log.Log;
import dev.multiproc.spi.process.OwnedFiles;
import dev.multiproc.spi.process.PrivateDirectory;
import dev.multiproc.spi.process.ProcessLiveness;
import dev.multiproc.spi.wait.Timers;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The pipe transport's {@link BrokerEndpoints}: a broker listens on a Unix-domain socket file in the
 * socket directory, named by the scheme of {@link OwnedFiles} ({@code multiproc-queue-<pid>-<start>-...sock}),
 * readable and writable by its owner only; clients connect to that path. Files left by owners that
 * died are removed when any process opens a context ({@code OwnedFiles.sweepAll}), and by a client
 * that saw its broker go once the owner is gone. Thread-safe.
 */
public final class UnixBrokerEndpoints implements BrokerEndpoints {
    /** Provider of pipe queue handles. */
    public static final String PROVIDER = "pipe.queue";
    /** Kind of the socket files, in {@link OwnedFiles} names. */
    static final String KIND = "queue";
    private static final Log LOG = Log.of(UnixBrokerEndpoints.class);

    private final Path directory;
    private final Path journalDirectory;

    /**
     * @param directory        where socket files go
     * @param journalDirectory where clients keep their journals (shared memory)
     */
    public UnixBrokerEndpoints(Path directory, Path journalDirectory) {
        this.directory = directory;
        this.journalDirectory = journalDirectory;
    }

    /** @param settings where socket files and journals go */
    public UnixBrokerEndpoints(ContextSettings settings) {
        this(settings.socketDirectory(), settings.shmDirectory());
    }

    @Override
    public Optional<Path> journalDirectory() {
        return Optional.of(journalDirectory);
    }

    @Override
    public String provider() {
        return PROVIDER;
    }

    @Override
    public Listener listen(String queueName) throws IOException {
        PrivateDirectory.ensure(directory);
        Path path = directory.resolve(OwnedFiles.newName(KIND, ".sock")).toAbsolutePath();
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(path));
            restrictToOwner(path);
        } catch (IOException | RuntimeException e) {
            server.close();
            Files.deleteIfExists(path);
            throw e;
        }
        return new SocketFile(server, path);
    }

    @Override
    public SocketChannel connect(String address) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(address));
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public void brokerGone(String address, long ownerPid) {
        Path socket = Path.of(address);
        if (ownerPid == ProcessLiveness.selfPid()) {
            return;
        }
        ProcessHandle.of(ownerPid).ifPresentOrElse(
                p -> Timers.within(p.onExit(), Duration.ofSeconds(30))
                        .whenComplete((gone, timeout) -> OwnedFiles.removeIfOwnerDead(socket)),
                () -> OwnedFiles.removeIfOwnerDead(socket));
    }

    private static void restrictToOwner(Path path) {
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException | IOException e) {
            LOG.debug("cannot restrict permissions of {}: {}", path, e.toString());
        }
    }

    /** A bound socket file, removed when closed. */
    private static final class SocketFile implements Listener {
        private final ServerSocketChannel server;
        private final Path path;
        private final AtomicBoolean closed = new AtomicBoolean();

        SocketFile(ServerSocketChannel server, Path path) {
            this.server = server;
            this.path = path;
        }

        @Override
        public ServerSocketChannel channel() {
            return server;
        }

        @Override
        public String address() {
            return path.toString();
        }

        @Override
        public void close() {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            try {
                server.close();
            } catch (IOException e) {
                LOG.debug("closing {} failed: {}", path, e.toString());
            }
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                LOG.warn("cannot remove queue socket {}: {}", path, e.toString());
            }
        }
    }
}
