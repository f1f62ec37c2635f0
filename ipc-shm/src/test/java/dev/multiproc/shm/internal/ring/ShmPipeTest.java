package dev.multiproc.shm.internal.ring;

import dev.multiproc.ConnectionClosedException;
import dev.multiproc.IpcException;
import dev.multiproc.Serializer;
import dev.multiproc.spi.channel.ChannelConnection;
import dev.multiproc.spi.wait.WaitStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The ring and the pipe end over it, both ends in this process (cross-process: the system tests). */
@Timeout(60)
class ShmPipeTest {
    @TempDir
    Path dir;
    private final List<ChannelConnection> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        opened.forEach(ChannelConnection::close);
    }

    private ChannelConnection[] pipe(boolean duplex) {
        ChannelConnection[] pair = ShmPipes.pair(dir, duplex, Integer.MAX_VALUE - 8, Serializer.standard(),
                new WaitStrategy(WaitStrategy.DEFAULT_SPIN_NANOS, WaitStrategy.DEFAULT_YIELD_NANOS), end -> {
                });
        opened.add(pair[0]);
        opened.add(pair[1]);
        return pair;
    }

    private static byte[] message(int seed, int length) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void anEndReadAgainInItsProcessIsThatSameEndNotASecondReaderOfItsRing() {
        ChannelConnection[] p = pipe(true);
        Serializer serializer = Serializer.standard();
        byte[] right = serializer.serialize(p[1]);
        Object first = serializer.deserialize(right);
        Object second = serializer.deserialize(right);
        assertThat(first).isSameAs(p[1]).isSameAs(second);
        p[0].sendBytes(new byte[]{1, 2});
        assertThat(p[1].recvBytes()).containsExactly(1, 2);
        p[1].close();
        assertThatThrownBy(() -> serializer.deserialize(right)).hasMessageContaining("right end of shm pipe");
    }

    @Test
    void messagesOfEverySizeArriveWholeAndInOrderAcrossWrapsAndFragments() throws Exception {
        ChannelConnection[] p = pipe(false);
        int max = RingDescriptor.maxRecordPayload(ShmPipes.RING_CAPACITY);
        int[] sizes = {0, 1, 7, 8, 9, 63, 64, 1000, max - 1, max, max + 1, 3 * max + 5, 1 << 20, 3 << 20};
        int rounds = 40;
        CompletableFuture<Void> sender = CompletableFuture.runAsync(() -> {
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < sizes.length; i++) {
                    p[1].sendBytes(message(r * 100 + i, sizes[i]));
                }
            }
        });
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < sizes.length; i++) {
                assertThat(p[0].recvBytes()).as("round %d, %d bytes", r, sizes[i]).isEqualTo(message(r * 100 + i, sizes[i]));
            }
        }
        sender.get(30, TimeUnit.SECONDS);
    }

    @Test
    void aFragmentedMessageStreamsIntoTheCallersBufferAndOneTooLongForItComesWholeInTheException() throws Exception {
        ChannelConnection[] p = pipe(false);
        int size = 5 * RingDescriptor.maxRecordPayload(ShmPipes.RING_CAPACITY) + 3;
        CompletableFuture<Void> sender = CompletableFuture.runAsync(() -> {
            p[1].sendBytes(message(1, size));
            p[1].sendBytes(message(2, size));
            p[1].sendBytes(message(3, 10));
        });
        byte[] buffer = new byte[size + 7];
        assertThat(p[0].recvBytesInto(buffer, 7)).isEqualTo(size);
        assertThat(java.util.Arrays.copyOfRange(buffer, 7, size + 7)).isEqualTo(message(1, size));
        assertThatThrownBy(() -> p[0].recvBytesInto(new byte[size - 1], 0))
                .isInstanceOf(dev.multiproc.BufferTooShortException.class)
                .satisfies(e -> assertThat(((dev.multiproc.BufferTooShortException) e).message()).isEqualTo(message(2, size)));
        assertThat(p[0].recvBytes()).as("the stream goes on after both").isEqualTo(message(3, 10));
        sender.get(30, TimeUnit.SECONDS);
    }

    @Test
    void fourThreadsSendingOnOneEndNeverInterleaveTheirMessages() throws Exception {
        ChannelConnection[] p = pipe(false);
        int threads = 4;
        int each = 3_000;
        int[] sizes = {8, 300, RingDescriptor.maxRecordPayload(ShmPipes.RING_CAPACITY) + 100}; // the last one in fragments
        java.util.concurrent.ExecutorService senders = java.util.concurrent.Executors.newFixedThreadPool(threads);
        List<java.util.concurrent.Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            done.add(senders.submit(() -> {
                for (int i = 0; i < each; i++) {
                    byte[] m = new byte[sizes[i % sizes.length]];
                    java.util.Arrays.fill(m, (byte) id);
                    java.nio.ByteBuffer.wrap(m).putInt(0, i);
                    p[1].sendBytes(m);
                }
            }));
        }
        int[] next = new int[threads];
        for (int n = 0; n < threads * each; n++) {
            byte[] m = p[0].recvBytes();
            int id = m[m.length - 1];
            int i = java.nio.ByteBuffer.wrap(m).getInt(0);
            assertThat(i).as("thread %d's messages in its order", id).isEqualTo(next[id]++);
            assertThat(m.length).isEqualTo(sizes[i % sizes.length]);
            int k = 4;
            while (k < m.length && m[k] == (byte) id) {
                k++;
            }
            assertThat(k).as("message %d of thread %d is whole", i, id).isEqualTo(m.length);
        }
        for (java.util.concurrent.Future<?> f : done) {
            f.get(30, TimeUnit.SECONDS);
        }
        senders.shutdown();
    }

    @Test
    void closingTheWritingEndEndsTheStreamAfterEveryMessageItSent() {
        ChannelConnection[] p = pipe(true);
        p[1].send("a");
        p[1].send("b");
        p[1].close();
        assertThat((String) p[0].recv()).isEqualTo("a");
        assertThat((String) p[0].recv()).isEqualTo("b");
        assertThat(p[0].poll(Duration.ZERO)).as("end of stream is readable").isTrue();
        assertThatThrownBy(p[0]::recv).isInstanceOf(ConnectionClosedException.class)
                .hasMessageContaining("end of stream").hasMessageContaining("closed");
        assertThatThrownBy(() -> p[0].send("c")).isInstanceOf(ConnectionClosedException.class)
                .hasMessageContaining("peer end is closed");
    }

    @Test
    void closeWakesAReceiveBlockedInAnotherThread() throws Exception {
        ChannelConnection[] p = pipe(true);
        assertThat(p[0].poll(Duration.ofMillis(100))).as("nothing came").isFalse();
        CompletableFuture<Object> blocked = CompletableFuture.supplyAsync(p[0]::recv);
        p[0].close();
        // blocked already: ConnectionClosedException; not yet there: the end is closed. Never a hang.
        assertThatThrownBy(() -> blocked.get(5, TimeUnit.SECONDS)).cause()
                .isInstanceOfAny(ConnectionClosedException.class, IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void aCorruptLengthInTheRingFailsTheReaderClearlyInsteadOfReadingOutOfBounds() {
        ChannelConnection[] p = pipe(false);
        p[1].sendBytes(new byte[100]);
        MemorySegment body = ((ShmPipeChannel) p[0].channel()).file().segment().body();
        long record = PipeDescriptor.TO_LEFT_RING_OFFSET + RingDescriptor.DATA_OFFSET;
        body.set(ValueLayout.JAVA_INT, record, 1 << 30);
        assertThatThrownBy(p[0]::recvBytes).isInstanceOf(IpcException.class)
                .hasMessageContaining("corrupt").hasMessageContaining("1073741824");
        assertThatThrownBy(p[0]::recvBytes).isInstanceOf(IllegalStateException.class).hasMessageContaining("unusable");
    }

    @Test
    void aFragmentedMessageWhoseTotalLiesFailsAsCorrupt() {
        ChannelConnection[] p = pipe(false);
        int max = RingDescriptor.maxRecordPayload(ShmPipes.RING_CAPACITY);
        CompletableFuture.runAsync(() -> p[1].sendBytes(new byte[2 * max]));
        MemorySegment body = ((ShmPipeChannel) p[0].channel()).file().segment().body();
        long record = PipeDescriptor.TO_LEFT_RING_OFFSET + RingDescriptor.DATA_OFFSET;
        long tail = PipeDescriptor.TO_LEFT_RING_OFFSET + RingDescriptor.TAIL_OFFSET;
        while (body.get(ValueLayout.JAVA_LONG_UNALIGNED, tail) == 0) {
            Thread.onSpinWait();
        }
        body.set(ValueLayout.JAVA_LONG, record + RingDescriptor.RECORD_HEADER_BYTES, max + 10L); // less than sent
        assertThatThrownBy(p[0]::recvBytes).isInstanceOf(IpcException.class).hasMessageContaining("corrupt");
    }

    @Test
    void theFileIsRemovedOnceBothEndsAreUsedAndTheMappingGoesWithTheLastEnd() throws Exception {
        ChannelConnection[] p = pipe(true);
        Path file = ((ShmPipeChannel) p[0].channel()).file().segment().path();
        assertThat(file).exists();
        p[0].send(1);
        assertThat(file).as("the right end may still move").exists();
        assertThat((Integer) p[1].recv()).isEqualTo(1);
        assertThat(file).as("neither end can move any more").doesNotExist();
        p[1].send(2);
        assertThat((Integer) p[0].recv()).isEqualTo(2);
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void aOneWayPipeKeepsItsDirection() {
        ChannelConnection[] p = pipe(false);
        assertThatThrownBy(() -> p[0].send("x")).isInstanceOf(IllegalStateException.class).hasMessageContaining("one-way");
        assertThatThrownBy(p[1]::recv).isInstanceOf(IllegalStateException.class).hasMessageContaining("one-way");
        p[1].send("y");
        assertThat((String) p[0].recv()).isEqualTo("y");
    }
}
