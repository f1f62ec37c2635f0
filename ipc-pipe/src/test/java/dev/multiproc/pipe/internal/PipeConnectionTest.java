package dev.multiproc.pipe.internal;

import dev.multiproc.BufferTooShortException;
import dev.multiproc.Connection;
import dev.multiproc.ConnectionClosedException;
import dev.multiproc.Context;
import dev.multiproc.FrameTooLargeException;
import dev.multiproc.Multiproc;
import dev.multiproc.Pipe;
import dev.multiproc.SerializationException;
import dev.multiproc.Serializer;
import dev.multiproc.spi.channel.ChannelConnection;
import dev.multiproc.spi.frame.FrameCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.Serializable;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Both ends of a pipe in one process: framing, limits, errors, close and threads. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PipeConnectionTest {
    private Context ctx;
    private ExecutorService threads;

    record Point(int x, String label) implements Serializable {
    }

    @BeforeEach
    void open() {
        ctx = Multiproc.context("pipe");
        threads = Executors.newCachedThreadPool(r -> Thread.ofPlatform().daemon().name("test-peer").unstarted(r));
    }

    @AfterEach
    void close() throws InterruptedException {
        ctx.close();
        threads.shutdownNow();
        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void objectsRoundTripBothWays() {
        Pipe pipe = ctx.pipe();
        pipe.left().send("hello");
        pipe.left().send(42);
        pipe.left().send(null);
        pipe.left().send(new Point(3, "p"));
        assertThat((String) pipe.right().recv()).isEqualTo("hello");
        assertThat((Integer) pipe.right().recv()).isEqualTo(42);
        assertThat((Object) pipe.right().recv()).isNull();
        assertThat((Point) pipe.right().recv()).isEqualTo(new Point(3, "p"));
        pipe.right().send(new long[]{1, 2, 3});
        assertThat((long[]) pipe.left().recv()).containsExactly(1, 2, 3);
    }

    @Test
    void messageBoundariesAreKept() {
        Pipe pipe = ctx.pipe();
        byte[] data = new byte[1000];
        new Random(1).nextBytes(data);
        int[] sizes = {0, 1, 3, 999, 4, 100_000, 0, 65_532, 65_536, 7};
        int offset = 0;
        for (int size : sizes) {
            int length = Math.min(size, data.length - offset % data.length);
            pipe.left().sendBytes(data, offset % data.length, length);
            offset += 13;
        }
        offset = 0;
        for (int size : sizes) {
            int length = Math.min(size, data.length - offset % data.length);
            byte[] expected = java.util.Arrays.copyOfRange(data, offset % data.length, offset % data.length + length);
            assertThat(pipe.right().recvBytes()).isEqualTo(expected);
            offset += 13;
        }
    }

    @Test
    void recvBytesIntoWritesAtTheOffsetAndCarriesWhatDoesNotFit() {
        Pipe pipe = ctx.pipe();
        pipe.left().sendBytes(new byte[]{1, 2, 3});
        pipe.left().sendBytes(new byte[]{4, 5, 6, 7, 8});
        pipe.left().sendBytes(new byte[]{9});
        byte[] buffer = new byte[6];
        assertThat(pipe.right().recvBytesInto(buffer, 2)).isEqualTo(3);
        assertThat(buffer).containsExactly(0, 0, 1, 2, 3, 0);
        assertThatThrownBy(() -> pipe.right().recvBytesInto(buffer, 2))
                .isInstanceOfSatisfying(BufferTooShortException.class,
                        e -> assertThat(e.message()).containsExactly(4, 5, 6, 7, 8))
                .hasMessageContaining("5 bytes").hasMessageContaining("4 bytes");
        assertThat(pipe.right().recvBytesInto(buffer, 5)).isEqualTo(1);
        assertThat(buffer[5]).isEqualTo((byte) 9);
    }

    @Test
    void sixteenAndSixtyFourMebibyteMessagesArrive() throws Exception {
        Pipe pipe = ctx.pipe();
        byte[] sixteen = new byte[16 << 20];
        byte[] sixtyFour = new byte[64 << 20];
        new Random(2).nextBytes(sixteen);
        sixtyFour[0] = 1;
        sixtyFour[sixtyFour.length - 1] = 2;
        Future<?> sender = threads.submit(() -> {
            pipe.left().sendBytes(sixteen);
            pipe.left().send(sixtyFour);
            pipe.left().send("after");
        });
        assertThat(pipe.right().recvBytes()).isEqualTo(sixteen);
        byte[] big = pipe.right().recv();
        assertThat(big).hasSize(64 << 20);
        assertThat(big[0]).isEqualTo((byte) 1);
        assertThat(big[big.length - 1]).isEqualTo((byte) 2);
        assertThat((String) pipe.right().recv()).isEqualTo("after");
        sender.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aFrameOverTheLimitIsRefusedBeforeAnythingIsWritten() {
        ChannelConnection[] pair = PipeEnds.pair(true, 1024, Serializer.standard(), end -> {
        });
        try {
            assertThatThrownBy(() -> pair[0].sendBytes(new byte[2000]))
                    .isInstanceOfSatisfying(FrameTooLargeException.class, e -> {
                        assertThat(e.length()).isEqualTo(2000);
                        assertThat(e.limit()).isEqualTo(1024);
                    })
                    .hasMessageContaining("2000").hasMessageContaining("1024");
            pair[0].sendBytes(new byte[1024]);
            assertThat(pair[1].recvBytes()).hasSize(1024);
            assertThat(pair[1].poll(Duration.ZERO)).isFalse();
        } finally {
            pair[0].close();
            pair[1].close();
        }
    }

    @Test
    void anAnnouncedLengthOverTheLimitIsRejectedByTheReceiver() {
        ChannelConnection[] pair = PipeEnds.pair(true, 1024, Serializer.standard(), end -> {
        });
        try {
            writeRaw(pair[0], header(0xFFFF_FFFFL));
            assertThatThrownBy(pair[1]::recvBytes)
                    .isInstanceOfSatisfying(FrameTooLargeException.class, e -> {
                        assertThat(e.length()).isEqualTo(4_294_967_295L);
                        assertThat(e.limit()).isEqualTo(1024);
                    })
                    .hasMessageContaining("4294967295").hasMessageContaining("1024");
            assertThatThrownBy(pair[1]::recvBytes).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("unusable").hasMessageContaining("4294967295");
        } finally {
            pair[0].close();
            pair[1].close();
        }
        ChannelConnection[] second = PipeEnds.pair(true, 1024, Serializer.standard(), end -> {
        });
        try {
            writeRaw(second[0], header(1025));
            assertThatThrownBy(second[1]::recvBytes).isInstanceOf(FrameTooLargeException.class)
                    .hasMessageContaining("frame length 1025 exceeds limit 1024");
        } finally {
            second[0].close();
            second[1].close();
        }
    }

    @Test
    void aHugeAnnouncedLengthUnderTheLimitCostsNothingUntilItsBytesArrive() {
        for (long announced : new long[]{0x7FFF_FFFFL, 0x7FFF_FFF0L}) {
            ChannelConnection[] pair = PipeEnds.pair(true, Integer.MAX_VALUE, Serializer.standard(), end -> {
            });
            try {
                byte[] lie = new byte[4 + 1000];
                System.arraycopy(header(announced), 0, lie, 0, 4);
                writeRaw(pair[0], lie);
                pair[0].close();
                Runtime heap = Runtime.getRuntime();
                long before = heap.totalMemory() - heap.freeMemory();
                // an array of the announced length would fail (OutOfMemoryError, a FrameTooLargeException) or show here
                assertThatThrownBy(pair[1]::recvBytes).isInstanceOf(ConnectionClosedException.class)
                        .hasMessageContaining("1000 of " + announced + " bytes");
                long grown = heap.totalMemory() - heap.freeMemory() - before;
                assertThat(grown).as("heap taken for a %d-byte announcement", announced).isLessThan(256L << 20);
            } finally {
                pair[1].close();
            }
        }
    }

    @Test
    void aFrameCutShortSaysHowMuchArrived() {
        ChannelConnection[] pair = PipeEnds.pair(true, Integer.MAX_VALUE, Serializer.standard(), end -> {
        });
        try {
            byte[] partial = new byte[4 + 10];
            System.arraycopy(header(100), 0, partial, 0, 4);
            writeRaw(pair[0], partial);
            pair[0].close();
            assertThatThrownBy(pair[1]::recvBytes).isInstanceOf(ConnectionClosedException.class)
                    .hasMessageContaining("10 of 100 bytes");
        } finally {
            pair[1].close();
        }
        ChannelConnection[] header = PipeEnds.pair(true, Integer.MAX_VALUE, Serializer.standard(), end -> {
        });
        try {
            writeRaw(header[0], new byte[]{5, 0});
            header[0].close();
            assertThatThrownBy(header[1]::recvBytes).isInstanceOf(ConnectionClosedException.class)
                    .hasMessageContaining("2 of the 4 header bytes");
        } finally {
            header[1].close();
        }
    }

    @Test
    void anUnserializableValueFailsTheSendAndLeavesTheConnectionUsable() {
        Pipe pipe = ctx.pipe();
        Object notSerializable = new Object();
        assertThatThrownBy(() -> pipe.left().send(notSerializable)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("java.lang.Object");
        assertThatThrownBy(() -> pipe.left().send(List.of(new Object()))).isInstanceOf(SerializationException.class);
        pipe.left().send("still fine");
        assertThat((String) pipe.right().recv()).isEqualTo("still fine");
        assertThat(pipe.right().poll(Duration.ZERO)).isFalse();
    }

    @Test
    void everythingSentArrivesThenEndOfStream() {
        Pipe pipe = ctx.pipe();
        for (int i = 0; i < 100; i++) {
            pipe.left().send(i);
        }
        pipe.left().close();
        for (int i = 0; i < 100; i++) {
            assertThat((Integer) pipe.right().recv()).isEqualTo(i);
        }
        assertThatThrownBy(pipe.right()::recv).isInstanceOf(ConnectionClosedException.class)
                .hasMessageContaining("end of stream");
        assertThat(pipe.right().poll(Duration.ZERO)).as("end of stream is readable").isTrue();
        assertThatThrownBy(() -> pipe.right().send("x")).isInstanceOf(ConnectionClosedException.class)
                .hasMessageContaining("peer end is closed");
    }

    @Test
    void aClosedEndRefusesUseAndCloseIsIdempotent() {
        Pipe pipe = ctx.pipe();
        pipe.left().close();
        pipe.left().close();
        assertThat(pipe.left().isClosed()).isTrue();
        assertThat(pipe.right().isClosed()).isFalse();
        assertThatThrownBy(() -> pipe.left().send(1)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(pipe.left()::recv).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> pipe.left().poll(Duration.ZERO)).isInstanceOf(IllegalStateException.class);
    }

    private static boolean insideRecv(Thread thread) {
        for (StackTraceElement frame : thread.getStackTrace()) {
            if (frame.getClassName().equals(PipeChannel.class.getName()) && frame.getMethodName().equals("fill")) {
                return true;
            }
        }
        return false;
    }

    @Test
    void closeWakesAReceiveBlockedInAnotherThread() throws Exception {
        Pipe pipe = ctx.pipe();
        CompletableFuture<Thread> receiver = new CompletableFuture<>();
        CompletableFuture<Object> blocked = CompletableFuture.supplyAsync(() -> {
            receiver.complete(Thread.currentThread());
            return pipe.right().recv();
        }, threads);
        Thread thread = receiver.get(10, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!insideRecv(thread)) { // close must hit a receive already blocked in read(2)
            assertThat(System.nanoTime()).as("receiver blocked in recv").isLessThan(deadline);
            Thread.onSpinWait();
        }
        pipe.right().close();
        assertThatThrownBy(() -> blocked.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(ConnectionClosedException.class);
    }

    @Test
    void aOneWayPipeReceivesLeftAndSendsRight() {
        Pipe pipe = ctx.pipe(false);
        assertThat(pipe.left().isReadable()).isTrue();
        assertThat(pipe.left().isWritable()).isFalse();
        assertThat(pipe.right().isReadable()).isFalse();
        assertThat(pipe.right().isWritable()).isTrue();
        assertThatThrownBy(() -> pipe.left().send("x")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("left end").hasMessageContaining("only receives");
        assertThatThrownBy(pipe.right()::recv).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("right end").hasMessageContaining("only sends");
        assertThatThrownBy(() -> pipe.right().poll(Duration.ZERO)).isInstanceOf(IllegalStateException.class);
        pipe.right().send("one way");
        assertThat((String) pipe.left().recv()).isEqualTo("one way");
    }

    @Test
    void zeroTimeoutPollsThatTakeWhatIsThereLoseNothing() throws Exception {
        Pipe pipe = ctx.pipe();
        int[] sizes = {0, 1, 3, 70_000, 5, 300_000, 4, 65_536, 2};
        Random random = new Random(7);
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            byte[] frame = new byte[sizes[i % sizes.length]];
            random.nextBytes(frame);
            sent.add(frame);
        }
        Future<?> sender = threads.submit(() -> {
            sent.forEach(pipe.left()::sendBytes);
            pipe.left().close();
        });
        List<byte[]> received = new ArrayList<>();
        while (received.size() < sent.size()) {
            if (pipe.right().poll(Duration.ZERO)) {
                received.add(pipe.right().recvBytes());
            } else {
                Thread.onSpinWait();
            }
        }
        sender.get(30, TimeUnit.SECONDS);
        assertThat(received).usingElementComparator(java.util.Arrays::compare).containsExactlyElementsOf(sent);
        assertThat(pipe.right().poll(Duration.ZERO)).as("end of stream is readable").isTrue();
        assertThatThrownBy(pipe.right()::recvBytes).isInstanceOf(ConnectionClosedException.class);
    }

    @Test
    void pollHonoursItsTimeout() {
        Pipe pipe = ctx.pipe();
        long start = System.nanoTime();
        assertThat(pipe.right().poll(Duration.ZERO)).isFalse();
        assertThat(pipe.right().poll(Duration.ofMillis(-5))).isFalse();
        assertThat(System.nanoTime() - start).isLessThan(Duration.ofMillis(50).toNanos());
        start = System.nanoTime();
        assertThat(pipe.right().poll(Duration.ofMillis(120))).isFalse();
        long waited = System.nanoTime() - start;
        assertThat(waited).isGreaterThanOrEqualTo(Duration.ofMillis(120).toNanos()).isLessThan(Duration.ofSeconds(2).toNanos());
        pipe.left().send("x");
        assertThat(pipe.right().poll(Duration.ofSeconds(5))).isTrue();
        assertThat(pipe.right().poll(Duration.ZERO)).isTrue();
        assertThat((String) pipe.right().recv()).isEqualTo("x");
        CompletableFuture.runAsync(() -> pipe.left().send("later"), CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS, threads));
        assertThat(pipe.right().poll(Duration.ofSeconds(10))).isTrue();
    }

    @Test
    void concurrentSendersKeepEachMessageWholeAndInOrderPerThread() throws Exception {
        Pipe pipe = ctx.pipe();
        int senders = 4;
        int each = 20_000;
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < senders; t++) {
            int thread = t;
            futures.add(threads.submit(() -> {
                for (int i = 0; i < each; i++) {
                    if (i % 2 == 0) {
                        pipe.left().send(new long[]{thread, i});
                    } else {
                        pipe.left().sendBytes(new byte[]{(byte) thread, (byte) i, (byte) (i >> 8), (byte) (i >> 16)});
                    }
                }
            }));
        }
        int[] next = new int[senders];
        for (int n = 0; n < senders * each; n++) {
            byte[] frame = pipe.right().recvBytes();
            int thread;
            int seq;
            if (frame.length == 4) {
                thread = frame[0];
                seq = (frame[1] & 0xff) | (frame[2] & 0xff) << 8 | (frame[3] & 0xff) << 16;
            } else {
                long[] pair = Serializer.standard().deserialize(frame);
                thread = (int) pair[0];
                seq = (int) pair[1];
            }
            assertThat(seq).as("message from sender %d", thread).isEqualTo(next[thread]);
            next[thread]++;
        }
        for (Future<?> f : futures) {
            f.get(10, TimeUnit.SECONDS);
        }
        assertThat(next).containsOnly(each);
    }

    @Test
    void concurrentReceiversGetEveryMessageOnce() throws Exception {
        Pipe pipe = ctx.pipe();
        int total = 20_000;
        List<Future<List<Integer>>> receivers = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            receivers.add(threads.submit(() -> {
                List<Integer> got = new ArrayList<>();
                while (true) {
                    int v = pipe.right().recv();
                    if (v < 0) {
                        return got;
                    }
                    got.add(v);
                }
            }));
        }
        for (int i = 0; i < total; i++) {
            pipe.left().send(i);
        }
        for (int t = 0; t < 3; t++) {
            pipe.left().send(-1);
        }
        List<Integer> all = new ArrayList<>();
        for (Future<List<Integer>> r : receivers) {
            all.addAll(r.get(20, TimeUnit.SECONDS));
        }
        assertThat(all).hasSize(total).doesNotHaveDuplicates();
    }

    @Test
    void aBurstLeftInTheBufferIsDeliveredWithoutAnotherCall() throws Exception {
        Pipe pipe = ctx.pipe();
        Future<Integer> receiver = threads.submit(() -> {
            int n = 0;
            while (n < 10_000) {
                pipe.right().recvBytes();
                n++;
            }
            return n;
        });
        for (int i = 0; i < 10_000; i++) {
            pipe.left().sendBytes(new byte[64]);
        }
        // the sender makes no further call: the flusher must deliver the tail of the burst
        assertThat(receiver.get(10, TimeUnit.SECONDS)).isEqualTo(10_000);
    }

    private static boolean blockedIn(Thread thread, Class<?> type, String method) {
        for (StackTraceElement frame : thread.getStackTrace()) {
            if (frame.getClassName().equals(type.getName()) && frame.getMethodName().equals(method)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aReceiveDoesNotWaitForASendBlockedOnAFullPeer() throws Exception {
        Pipe pipe = ctx.pipe();
        pipe.right().send("waiting for you");
        CompletableFuture<Thread> sender = new CompletableFuture<>();
        Future<?> sending = threads.submit(() -> {
            sender.complete(Thread.currentThread());
            pipe.left().sendBytes(new byte[8 << 20]); // the right end does not read yet: blocks
        });
        Thread thread = sender.get(10, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!blockedIn(thread, PipeChannel.class, "write")) {
            assertThat(System.nanoTime()).as("sender blocked in send(2)").isLessThan(deadline);
            Thread.onSpinWait();
        }
        assertThat((String) pipe.left().recv()).isEqualTo("waiting for you");
        assertThat(pipe.left().poll(Duration.ZERO)).isFalse();
        assertThat(pipe.right().recvBytes()).hasSize(8 << 20);
        sending.get(10, TimeUnit.SECONDS);
    }

    @Test
    void closeWakesASendBlockedOnAFullPeer() throws Exception {
        Pipe pipe = ctx.pipe();
        CompletableFuture<Thread> sender = new CompletableFuture<>();
        Future<?> sending = threads.submit(() -> {
            sender.complete(Thread.currentThread());
            pipe.left().sendBytes(new byte[8 << 20]);
        });
        Thread thread = sender.get(10, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!blockedIn(thread, PipeChannel.class, "write")) {
            assertThat(System.nanoTime()).as("sender blocked in send(2)").isLessThan(deadline);
            Thread.onSpinWait();
        }
        pipe.left().close();
        assertThatThrownBy(() -> sending.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(ConnectionClosedException.class)
                .hasMessageContaining("closed while a send was waiting");
        assertThat(pipe.right().poll(Duration.ofSeconds(5))).isTrue();
        assertThatThrownBy(pipe.right()::recvBytes).isInstanceOf(ConnectionClosedException.class)
                .hasMessageContaining("of 8388608 bytes arrived");
    }

    @Test
    void anEndReadBackInItsOwnProcessIsTheSameEnd() {
        Pipe pipe = ctx.pipe();
        Serializer serializer = Serializer.standard();
        byte[] bytes = serializer.serialize(pipe.right());
        Connection back = serializer.deserialize(bytes);
        assertThat(back).isSameAs(pipe.right());
        pipe.left().send("through the copy");
        assertThat((String) back.recv()).isEqualTo("through the copy");
        pipe.right().close();
        assertThatThrownBy(() -> serializer.serialize(pipe.right())).isInstanceOf(SerializationException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> serializer.deserialize(bytes)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("was closed in this process");
    }

    /** @return the frame header of a payload length, as every stream channel writes it (Python's framing) */
    private static byte[] header(long length) {
        byte[] h = new byte[FrameCodec.headerBytes(length)];
        FrameCodec.writeHeader(h, 0, length);
        return h;
    }

    private static void writeRaw(ChannelConnection end, byte[] bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(bytes.length);
            MemorySegment.copy(bytes, 0, data, ValueLayout.JAVA_BYTE, 0, bytes.length);
            long n = Libc.send(((PipeChannel) end.channel()).fd(), data, 0, bytes.length, 0, Libc.newCallState(arena));
            assertThat(n).isEqualTo(bytes.length);
        }
    }
}
