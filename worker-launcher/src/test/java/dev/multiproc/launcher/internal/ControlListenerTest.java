package dev.multiproc.launcher.internal;

import com.google.protobuf.ByteString;
import dev.multiproc.spi.process.OwnedFiles;
import dev.multiproc.wire.Hello;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ControlListenerTest {
    @TempDir
    Path tmp;

    @Test
    void wrongKeyIsDroppedAndTheRightOneAccepted() throws Exception {
        try (ControlListener listener = ControlListener.open(tmp, 5)) {
            assertThat(listener.path().getFileName().toString()).startsWith("multiproc-ctl-");
            CompletableFuture<SocketChannel> accepted = CompletableFuture.supplyAsync(() -> listener.awaitChild(1));

            try (SocketChannel intruder = connect(listener.path())) {
                ControlFrames.write(Channels.newOutputStream(intruder), hello(5, new byte[32]));
                assertThat(ControlFrames.read(Channels.newInputStream(intruder), Hello.parser(), ControlFrames.MAX_HELLO_BYTES)).isNull(); // dropped
            }
            try (SocketChannel wrongChild = connect(listener.path())) {
                ControlFrames.write(Channels.newOutputStream(wrongChild), hello(6, listener.authkey()));
                assertThat(ControlFrames.read(Channels.newInputStream(wrongChild), Hello.parser(), ControlFrames.MAX_HELLO_BYTES)).isNull();
            }
            assertThat(accepted).isNotDone();
            try (SocketChannel child = connect(listener.path())) {
                ControlFrames.write(Channels.newOutputStream(child), hello(5, listener.authkey()));
                Hello answer = ControlFrames.read(Channels.newInputStream(child), Hello.parser(), ControlFrames.MAX_HELLO_BYTES);
                assertThat(answer.getChildId()).isEqualTo(5);
                assertThat(answer.getPid()).isEqualTo(ProcessHandle.current().pid());
                assertThat(answer.getAuthkey()).isEmpty();
                try (SocketChannel parentEnd = accepted.get(10, TimeUnit.SECONDS)) {
                    assertThat(parentEnd).isNotNull();
                }
            }
            assertThat(Files.exists(listener.path())).as("socket file deleted once the child is in").isFalse();
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

    private static Hello hello(long childId, byte[] key) {
        return Hello.newBuilder().setChildId(childId).setPid(ProcessHandle.current().pid())
                .setAuthkey(ByteString.copyFrom(key)).build();
    }
}
