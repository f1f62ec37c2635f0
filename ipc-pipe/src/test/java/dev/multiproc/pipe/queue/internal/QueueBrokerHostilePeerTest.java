package dev.multiproc.pipe.queue.internal;

import dev.multiproc.AuthenticationException;
import dev.multiproc.Context;
import dev.multiproc.IpcQueue;
import dev.multiproc.Multiproc;
import dev.multiproc.Serializer;
import dev.multiproc.spi.ContextSettings;
import dev.multiproc.spi.ProcessIdentity;
import dev.multiproc.spi.process.OwnedFiles;
import dev.multiproc.spi.auth.Handshake;
import dev.multiproc.spi.auth.HandshakeSteps;
import dev.multiproc.spi.auth.NioFrameLink;
import dev.multiproc.spi.broker.QueueDescriptor;
import dev.multiproc.spi.broker.QueueFrames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A queue broker against peers that do not play by the rules: connections without the authkey,
 * a wrong authkey, hostile length headers, many idle connections. Each peer is a raw socket, as
 * another local process of the same user would open; the queue must stay usable throughout.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QueueBrokerHostilePeerTest {
    private Context ctx;
    private final List<SocketChannel> raw = new ArrayList<>();

    @BeforeEach
    void open() {
        ctx = Multiproc.context("pipe");
    }

    @AfterEach
    void close() throws IOException {
        for (SocketChannel c : raw) {
            c.close();
        }
        ctx.close();
    }

    private SocketChannel connect(QueueDescriptor q) throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        c.connect(UnixDomainSocketAddress.of(q.address()));
        raw.add(c);
        return c;
    }

    private static QueueDescriptor descriptor(IpcQueue<?> queue) {
        return QueueBrokerClientTest.queueDescriptorOf(queue);
    }

    private static ByteBuffer frame(byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(4 + payload.length).order(ByteOrder.BIG_ENDIAN);
        return b.putInt(payload.length).put(payload).flip();
    }

    /** @return a PUT of one serialized item, as a client would frame it */
    private static ByteBuffer putFrame(Object item) {
        byte[] value = Serializer.standard().serialize(item);
        ByteBuffer p = ByteBuffer.allocate(QueueFrames.PUT_ITEM_OFFSET + value.length);
        p.put(QueueFrames.PUT).put(QueueFrames.PUT_ASYNC).putLong(0).put(value);
        return frame(p.array());
    }

    @Test
    void aPeerWithoutTheAuthkeyGetsOnlyTheChallengeAndCannotPutOrTake() throws Exception {
        IpcQueue<Object> q = ctx.queue(0);
        q.put("secret");
        SocketChannel intruder = connect(descriptor(q));
        intruder.write(putFrame("injected")); // commands before any handshake
        ByteBuffer in = ByteBuffer.allocate(4096);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline && intruder.read(in) >= 0) {
            // reads until the broker closes the connection
        }
        assertThat(in.position()).as("it was sent the 59-byte challenge, then the 9-byte failure, and nothing else")
                .isEqualTo((4 + 59) + (4 + 9));
        assertThat(q.size()).as("nothing was injected; nothing was taken").isEqualTo(1);
        assertThat(q.take()).isEqualTo("secret");
    }

    @Test
    void aPeerWithAWrongAuthkeyIsRefused() throws Exception {
        IpcQueue<Object> q = ctx.queue(0);
        SocketChannel intruder = connect(descriptor(q));
        try (NioFrameLink link = new NioFrameLink(intruder, "broker")) {
            assertThatThrownBy(() -> new HandshakeSteps(HandshakeSteps.Role.CLIENT, new byte[32], "broker")
                    .run(link, TimeUnit.SECONDS.toNanos(10)))
                    .isInstanceOf(AuthenticationException.class).hasMessageContaining("digest sent was rejected");
        }
        q.put(1);
        assertThat(q.take()).isEqualTo(1);
    }

    @Test
    void aHugeLengthHeaderCostsNothingAndKillsOnlyItsConnection() throws Exception {
        IpcQueue<Object> q = ctx.queue(0);
        QueueDescriptor d = descriptor(q);
        // unauthenticated: a 14-byte message announcing ~2 GiB is over the handshake limit at once
        SocketChannel unauthenticated = connect(d);
        unauthenticated.write(ByteBuffer.wrap(new byte[]{0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xF0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
        // authenticated: the same header from a peer that holds the key, then silence
        SocketChannel authenticated = connect(d);
        try (NioFrameLink link = new NioFrameLink(authenticated, "broker")) {
            new HandshakeSteps(HandshakeSteps.Role.CLIENT, ProcessIdentity.authkey(), "broker").run(link, TimeUnit.SECONDS.toNanos(10));
        }
        authenticated.write(ByteBuffer.wrap(new byte[]{0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xF0, QueueFrames.PUT}));
        for (int i = 0; i < 100; i++) {
            q.put(i);
        }
        for (int i = 0; i < 100; i++) {
            assertThat(q.take()).isEqualTo(i);
        }
        assertThat(ctx.queue(0)).isNotNull();
    }

    @Test
    void theSocketFileIsTheOwnersOnlyInADirectoryOnlyTheOwnerCanEnter() throws Exception {
        IpcQueue<Object> q = ctx.queue(0);
        Path socket = Path.of(descriptor(q).address());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent()))).isEqualTo("rwx------");
    }

    @Test
    void silentUnauthenticatedConnectionsAreClosedAtTheHandshakeTimeoutAndCostLittleMeanwhile() throws Exception {
        IpcQueue<Object> q = ctx.queue(0);
        QueueDescriptor d = descriptor(q);
        long before = usedHeapAfterGc();
        int n = 100;
        for (int i = 0; i < n; i++) {
            connect(d);
        }
        q.put("after them"); // the broker has accepted them all by the time it answers
        assertThat(q.size()).isEqualTo(1);
        long perConnection = (usedHeapAfterGc() - before) / n;
        assertThat(perConnection).as("heap per pending connection, bytes").isLessThan(16 * 1024);
        SocketChannel last = raw.getLast();
        ByteBuffer in = ByteBuffer.allocate(1024);
        long start = System.nanoTime();
        while (last.read(in) >= 0) {
            in.clear();
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(
                Duration.ofNanos(HandshakeSteps.DEFAULT_TIMEOUT_NANOS).plusSeconds(5));
        assertThat(q.take()).isEqualTo("after them");
    }

    @Test
    void connectionsThatVanishOrSendGarbageDuringTheHandshakeLeaveTheBrokerServing() throws Exception {
        IpcQueue<Object> q = ctx.queue(0);
        QueueDescriptor d = descriptor(q);
        for (int i = 0; i < 60; i++) {
            SocketChannel c = connect(d);
            switch (i % 3) {
                case 0 -> c.close(); // gone before the challenge is written
                case 1 -> {
                    c.write(ByteBuffer.wrap(new byte[]{0, 0, 0, 3, 1, 2, 3})); // a garbage answer
                    c.close();
                }
                default -> c.shutdownOutput(); // half-closed while the broker waits for the answer
            }
        }
        authenticatedPeer(d);
        q.put("still served");
        assertThat(q.take()).isEqualTo("still served");
    }

    @Test
    void aJournalIsBelievedOnlyWhenItIsTheClientsOwnAndWellFormed() throws Exception {
        IpcQueue<Object> q = ctx.queue(0);
        QueueDescriptor d = descriptor(q);
        long pid = ProcessHandle.current().pid();
        Path shm = ContextSettings.process().shmDirectory();
        // a journal of another process, named by a peer that wants it read or removed
        Path othersFile = shm.resolve(ContextSettings.FILE_PREFIX + "qjournal-" + (pid + 1) + "-1-1-0badcafe");
        Files.writeString(othersFile, "not yours");
        helloAndLeave(d, othersFile);
        // a file named as this client's journal, holding no journal
        Path garbage = shm.resolve(OwnedFiles.newName("qjournal", ""));
        Files.write(garbage, new byte[200]);
        helloAndLeave(d, garbage);

        authenticatedPeer(d); // by now the broker has handled both ends
        assertThat(othersFile).as("not the peer's to name").exists().hasContent("not yours");
        assertThat(garbage).as("the peer's own, read, refused and removed").doesNotExist();
        Files.delete(othersFile);
        q.put("still served");
        assertThat(q.take()).isEqualTo("still served");
        assertThat(q.size()).as("nothing was injected").isZero();
    }

    /** An authenticated peer sends a HELLO naming a journal file, then closes its connection. */
    private void helloAndLeave(QueueDescriptor d, Path journal) throws IOException {
        SocketChannel peer = authenticatedPeer(d);
        byte[] path = journal.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteBuffer hello = ByteBuffer.allocate(QueueFrames.HELLO_JOURNAL_OFFSET + path.length);
        hello.put(QueueFrames.HELLO).putLong(ProcessHandle.current().pid()).put(path);
        peer.write(frame(hello.array()));
        peer.close();
    }

    private SocketChannel authenticatedPeer(QueueDescriptor d) throws IOException {
        SocketChannel peer = connect(d);
        try (NioFrameLink link = new NioFrameLink(peer, "broker")) {
            new HandshakeSteps(HandshakeSteps.Role.CLIENT, ProcessIdentity.authkey(), "broker")
                    .run(link, TimeUnit.SECONDS.toNanos(10));
        }
        return peer;
    }

    private static long usedHeapAfterGc() {
        Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return runtime.totalMemory() - runtime.freeMemory();
    }

    @Test
    void theHandshakeMessagesAreTheOnesPythonSends() {
        byte[] challenge = Handshake.challenge();
        assertThat(new String(challenge, 0, 19, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("#CHALLENGE#{sha256}");
        assertThat(challenge).hasSize(59);
        byte[] key = "key".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] answer = Handshake.answer(key, challenge);
        assertThat(answer).hasSize(40);
        assertThat(Handshake.verify(key, challenge, answer)).isTrue();
        assertThat(Handshake.verify("other".getBytes(java.nio.charset.StandardCharsets.US_ASCII), challenge, answer)).isFalse();
    }
}
