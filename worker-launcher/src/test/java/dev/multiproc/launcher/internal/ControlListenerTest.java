package dev.multiproc.launcher.internal;

import dev.multiproc.AuthenticationException;
import dev.multiproc.spi.auth.HandshakeSteps;
import dev.multiproc.spi.auth.NioFrameLink;
import dev.multiproc.spi.process.OwnedFiles;
import dev.multiproc.wire.Hello;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ControlListenerTest {
    @TempDir
    Path tmp;

    @Test
    void wrongKeyIsDroppedAndTheRightOneAccepted() throws Exception {
        try (ControlListener listener = ControlListener.open(tmp, 5)) {
            assertThat(listener.path().getFileName().toString()).startsWith("multiproc-ctl-");
            CompletableFuture<SocketChannel> accepted = CompletableFuture.supplyAsync(() -> listener.awaitChild(1));

            try (SocketChannel intruder = connect(listener.path()); NioFrameLink link = new NioFrameLink(intruder, "parent")) {
                assertThatThrownBy(() -> handshake(link, new byte[32]))
                        .isInstanceOf(AuthenticationException.class).hasMessageContaining("digest sent was rejected");
            }
            try (SocketChannel wrongChild = connect(listener.path()); NioFrameLink link = new NioFrameLink(wrongChild, "parent")) {
                handshake(link, listener.authkey());
                link.send(hello(6).toByteArray());
                assertThatThrownBy(() -> link.receive(4096, TimeUnit.SECONDS.toNanos(10)))
                        .isInstanceOf(IOException.class); // dropped: end of stream
            }
            assertThat(accepted).isNotDone();
            try (SocketChannel child = connect(listener.path()); NioFrameLink link = new NioFrameLink(child, "parent")) {
                handshake(link, listener.authkey());
                link.send(hello(5).toByteArray());
                Hello answer = Hello.parseFrom(link.receive(4096, TimeUnit.SECONDS.toNanos(10)));
                assertThat(answer.getChildId()).isEqualTo(5);
                assertThat(answer.getPid()).isEqualTo(ProcessHandle.current().pid());
                try (SocketChannel parentEnd = accepted.get(10, TimeUnit.SECONDS)) {
                    assertThat(parentEnd).isNotNull();
                    assertThat(parentEnd.isBlocking()).isTrue();
                }
            }
            assertThat(Files.exists(listener.path())).as("socket file deleted once the child is in").isFalse();
        }
    }

    @Test
    void silentPeersDoNotHoldUpTheChild() throws Exception {
        try (ControlListener listener = ControlListener.open(tmp, 8)) {
            CompletableFuture<SocketChannel> accepted = CompletableFuture.supplyAsync(() -> listener.awaitChild(1));
            List<SocketChannel> silent = new ArrayList<>();
            try {
                for (int i = 0; i < 10; i++) {
                    silent.add(connect(listener.path())); // connect, then say nothing
                }
                long start = System.nanoTime();
                try (SocketChannel child = connect(listener.path()); NioFrameLink link = new NioFrameLink(child, "parent")) {
                    handshake(link, listener.authkey());
                    link.send(hello(8).toByteArray());
                    assertThat(Hello.parseFrom(link.receive(4096, TimeUnit.SECONDS.toNanos(10))).getChildId()).isEqualTo(8);
                    try (SocketChannel parentEnd = accepted.get(10, TimeUnit.SECONDS)) {
                        assertThat(parentEnd).isNotNull();
                    }
                }
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the child got in at once").isLessThan(Duration.ofSeconds(2));
            } finally {
                silent.forEach(c -> {
                    try {
                        c.close();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
    }

    @Test
    void abandonStopsWaitingAndDeletesTheFile() throws Exception {
        ControlListener listener = ControlListener.open(tmp, 9);
        CompletableFuture<SocketChannel> accepted = CompletableFuture.supplyAsync(() -> listener.awaitChild(1));
        assertThat(Files.exists(listener.path())).isTrue();
        listener.abandon();
        assertThat(accepted.get(10, TimeUnit.SECONDS)).isNull();
        assertThat(Files.exists(listener.path())).isFalse();
        listener.close(); // idempotent
    }

    @Test
    void staleSocketNamesCarryTheOwnerPid() {
        assertThat(OwnedFiles.ownerOf("multiproc-ctl-1234-99-5-abcdef.sock")).map(OwnedFiles.Owner::pid).hasValue(1234L);
        assertThat(OwnedFiles.ownerOf("multiproc-ctl-x-5.sock")).isEmpty();
        assertThat(OwnedFiles.ownerOf("multiproc-shm-1234")).isEmpty();
        ControlListener listener = ControlListener.open(Path.of(System.getProperty("java.io.tmpdir")), 7);
        try {
            assertThat(OwnedFiles.ownerOf(listener.path().getFileName().toString()))
                    .hasValueSatisfying(o -> {
                        assertThat(o.kind()).isEqualTo(ControlListener.KIND);
                        assertThat(o.pid()).isEqualTo(ProcessHandle.current().pid());
                        assertThat(o.isAlive()).isTrue();
                    });
        } finally {
            listener.close();
        }
    }

    private static SocketChannel connect(Path path) throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        c.connect(UnixDomainSocketAddress.of(path));
        return c;
    }

    private static Hello hello(long childId) {
        return Hello.newBuilder().setChildId(childId).setPid(ProcessHandle.current().pid()).build();
    }

    private static void handshake(NioFrameLink link, byte[] key) throws IOException {
        new HandshakeSteps(HandshakeSteps.Role.CLIENT, key, "parent").run(link, TimeUnit.SECONDS.toNanos(10));
    }
}
