package dev.multiproc.launcher.internal;

import com.google.protobuf.ByteString;
import dev.multiproc.Serializer;
import dev.multiproc.wire.Bootstrap;
import dev.multiproc.wire.Exit;

import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A child's control channel, both ends inside one JVM, for a spare's warm-up
 * ({@link SpareWarmup}): a {@link ControlListener} in the context's socket directory, a
 * {@link ControlClient} that connects to it with a bootstrap like a real one (authkey handshake,
 * Hello both ways), and the exit report read back, once with a failure. The listener deletes its
 * socket file as the client gets in, as a real one does. Touches no state a child could see.
 */
final class ControlRehearsal {
    /** Enough rounds for C1 to compile the hot methods of the handshake and the messages. */
    private static final int ROUNDS = 40;
    private static final long ROUND_TIMEOUT_SECONDS = 10;

    private ControlRehearsal() {
    }

    /**
     * @param directory where the listeners' socket files go
     * @throws IOException if a round fails (a colder start, nothing worse)
     */
    static void run(Path directory) throws IOException {
        Serializer serializer = Serializer.standard();
        long pid = ProcessHandle.current().pid();
        for (int i = 0; i < ROUNDS; i++) {
            ControlListener listener = ControlListener.open(directory, i);
            ParentWatch.deleteIfOrphaned(listener.path()); // a spare whose parent dies mid-round leaves none
            try {
                round(listener, i, pid, serializer);
            } finally {
                ParentWatch.keep(listener.path());
            }
        }
    }

    private static void round(ControlListener listener, int i, long pid, Serializer serializer) throws IOException {
        CompletableFuture<Exit> exit = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("multiproc-warmup-control").start(() -> {
            try (listener; SocketChannel channel = listener.awaitChild(pid)) {
                exit.complete(channel == null ? null
                        : ControlFrames.read(Channels.newInputStream(channel), Exit.parser(), ControlFrames.MAX_EXIT_BYTES));
            } catch (IOException | RuntimeException e) {
                exit.completeExceptionally(e);
            }
        });
        Bootstrap bootstrap = Bootstrap.newBuilder().setProcessName("spare").setParentName("MainProcess")
                .setParentPid(pid).setChildId(i).setControlAddress(listener.path().toString())
                .setAuthkey(ByteString.copyFrom(listener.authkey())).build();
        try (ControlClient client = ControlClient.connect(bootstrap)) {
            client.reportExit(i % 10 == 0 ? new IllegalStateException("rehearsed failure") : null, serializer);
        } catch (IOException | RuntimeException e) {
            listener.abandon(); // ends the accept loop: the client never got in
            throw e;
        }
        try {
            if (exit.get(ROUND_TIMEOUT_SECONDS, TimeUnit.SECONDS) == null) {
                throw new IOException("the rehearsed control channel ended without an exit report");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("the rehearsed control channel failed: " + e, e);
        }
    }
}
