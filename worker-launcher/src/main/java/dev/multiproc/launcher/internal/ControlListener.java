package dev.multiproc.launcher.internal;

import dev.multiproc.AuthenticationException;
import dev.multiproc.spi.Cleanup;
import dev.multiproc.spi.auth.HandshakeSteps;
import dev.multiproc.spi.auth.KernelRandom;
import dev.multiproc.spi.auth.NioFrameLink;
import dev.multiproc.spi.log.Log;
import dev.multiproc.spi.process.ExitHooks;
import dev.multiproc.spi.process.OwnedFiles;
import dev.multiproc.spi.process.PrivateDirectory;
import dev.multiproc.wire.Hello;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The parent's end of one child's control channel: a Unix-domain socket
 * ({@code multiproc-ctl-<pid>-<start>-...sock}, named as {@link OwnedFiles} says, so a sweep tells
 * a dead parent's file, in the private socket directory) the child connects back to. Each
 * connection is vetted on a thread of its own: the {@link HandshakeSteps authkey handshake} with
 * the random key given in the child's bootstrap, then the child's {@link Hello} naming its id,
 * all within {@link HandshakeSteps#DEFAULT_TIMEOUT_NANOS}. So a peer that stays silent, or
 * presents a wrong key (dropped, logged), holds up nobody: the child gets in as soon as it
 * connects. The socket file is deleted as soon as the child is in, or when the listener is closed.
 *
 * <p>Used by one monitor thread; {@link #abandon()} and {@link #close()} may be called from any thread.
 */
final class ControlListener implements AutoCloseable {
    private static final Log LOG = Log.of(ControlListener.class);
    private static final int AUTHKEY_BYTES = 32;
    /** Connections vetted at once; more are closed at accept. */
    static final int MAX_CANDIDATES = 16;
    /** Kind of the control socket files, in {@link OwnedFiles} names. */
    static final String KIND = "ctl";
    /** Listeners whose socket file may still exist: this JVM's exit deletes them ({@link #closeAllAtExit}). */
    private static final Set<ControlListener> OPEN = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean EXIT_HOOK = new AtomicBoolean();

    private final Path path;
    private final long childId;
    private final byte[] authkey;
    private final ServerSocketChannel server;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Set<SocketChannel> candidates = ConcurrentHashMap.newKeySet();
    private final CompletableFuture<SocketChannel> child = new CompletableFuture<>();

    private ControlListener(Path path, long childId, byte[] authkey, ServerSocketChannel server) {
        this.path = path;
        this.childId = childId;
        this.authkey = authkey;
        this.server = server;
    }

    /**
     * @param directory where the socket file goes
     * @param childId   the id the child must echo
     * @return a bound listener with a fresh authkey
     * @throws UncheckedIOException if the socket cannot be bound; names the path
     */
    static ControlListener open(Path directory, long childId) {
        PrivateDirectory.ensure(directory);
        byte[] key = new byte[AUTHKEY_BYTES];
        KernelRandom.fill(key);
        Path path = directory.resolve(OwnedFiles.newName(KIND, ".sock"));
        ServerSocketChannel server = null;
        try {
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(path));
            restrictToOwner(path);
            ControlListener listener = new ControlListener(path, childId, key, server);
            OPEN.add(listener);
            if (EXIT_HOOK.compareAndSet(false, true)) {
                ExitHooks.register(ExitHooks.Phase.RELEASE, ControlListener::closeAllAtExit);
            }
            return listener;
        } catch (IOException | RuntimeException e) {
            Cleanup.closeQuietly(server);
            deleteQuietly(path);
            throw new UncheckedIOException(new IOException("cannot bind the control socket " + path
                    + " (" + path.toString().length() + " characters) for child " + childId + ": " + e, e));
        }
    }

    private static void restrictToOwner(Path path) {
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException | IOException e) {
            LOG.debug("cannot restrict permissions of {}: {}", path, e.toString());
        }
    }

    /** @return the socket path the child connects to */
    Path path() {
        return path;
    }

    /** @return the id the child must echo in its Hello */
    long childId() {
        return childId;
    }

    /** @return the authkey the child must prove it holds */
    byte[] authkey() {
        return authkey.clone();
    }

    /**
     * Waits for the child to connect and authenticate, then answers its Hello.
     *
     * @param expectedPid the child's pid, for log messages
     * @return the authenticated channel (blocking), or null if the listener was abandoned or closed first
     */
    SocketChannel awaitChild(long expectedPid) {
        while (!closed.get()) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (ClosedChannelException e) { // also AsynchronousCloseException: the child is in, or abandoned
                break;
            } catch (IOException e) {
                LOG.warn("control socket {} of child {} (pid {}) failed: {}", path, childId, expectedPid, e.toString());
                break;
            }
            if (closed.get() || candidates.size() >= MAX_CANDIDATES) {
                Cleanup.closeQuietly(channel);
                continue;
            }
            candidates.add(channel);
            Thread.ofPlatform().daemon().name("multiproc-control-vet-" + childId)
                    .start(() -> vet(channel, expectedPid));
        }
        return child.getNow(null);
    }

    /** Runs one connection's handshake and Hello; the first to pass is the child. */
    private void vet(SocketChannel channel, long expectedPid) {
        String who = "a process connecting to control socket " + path + " of child " + childId + " (pid " + expectedPid + ")";
        try {
            try (NioFrameLink link = new NioFrameLink(channel, who)) {
                long deadline = System.nanoTime() + HandshakeSteps.DEFAULT_TIMEOUT_NANOS;
                new HandshakeSteps(HandshakeSteps.Role.SERVER, authkey, who).run(link, HandshakeSteps.DEFAULT_TIMEOUT_NANOS);
                byte[] hello = link.receive((int) ControlFrames.MAX_HELLO_BYTES, Math.max(1, deadline - System.nanoTime()));
                checkHello(hello == null ? null : Hello.parseFrom(hello), expectedPid);
            }
            channel.configureBlocking(true);
            // In before the answer: a child that has its answer may run, report and exit at once,
            // and its exit (abandon) must find it in, not a listener still waiting.
            if (child.complete(channel)) {
                candidates.remove(channel);
                close(); // the child is in: the socket file is no longer needed, and the accept loop ends
                ControlFrames.write(Channels.newOutputStream(channel),
                        Hello.newBuilder().setChildId(childId).setPid(ProcessHandle.current().pid()).build());
                return;
            }
        } catch (AuthenticationException e) {
            LOG.warn("dropped a control connection on {}: {}", path, e.getMessage());
        } catch (IOException | RuntimeException e) {
            LOG.debug("control connection on {} failed before authentication: {}", path, e.toString());
        }
        candidates.remove(channel);
        Cleanup.closeQuietly(channel);
    }

    private void checkHello(Hello hello, long expectedPid) {
        if (hello == null) {
            throw new AuthenticationException("peer sent no Hello within the handshake time");
        }
        if (hello.getChildId() != childId) {
            throw new AuthenticationException("Hello names child " + hello.getChildId() + " (pid " + hello.getPid()
                    + "), expected child " + childId + " (pid " + expectedPid + ")");
        }
    }

    /** Called when the child has exited: stops waiting, and drops peers that are not authenticated. */
    void abandon() {
        close();
        child.complete(null);
        for (SocketChannel c : candidates) {
            Cleanup.closeQuietly(c);
        }
    }

    /**
     * At this JVM's exit, after its children were stopped or waited for: deletes the socket files
     * of children that never got in (one terminated while it was still starting, say), which
     * their monitor threads might not get to before the JVM is gone.
     */
    private static void closeAllAtExit() {
        List.copyOf(OPEN).forEach(ControlListener::close);
    }

    /** Closes the listening socket and deletes its file. Idempotent. */
    @Override
    public void close() {
        OPEN.remove(this);
        if (closed.compareAndSet(false, true)) {
            deleteQuietly(path); // first: closing the server ends awaitChild, whose caller may look for the file
            Cleanup.closeQuietly(server);
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("cannot delete control socket file {}: {}", path, e.toString());
        }
    }
}
