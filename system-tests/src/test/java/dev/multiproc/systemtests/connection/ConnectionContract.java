package dev.multiproc.systemtests.connection;

import dev.multiproc.Connection;
import dev.multiproc.ConnectionClosedException;
import dev.multiproc.Context;
import dev.multiproc.FrameTooLargeException;
import dev.multiproc.IpcProcess;
import dev.multiproc.Multiproc;
import dev.multiproc.Pipe;
import dev.multiproc.SerializationException;
import dev.multiproc.spi.ContextSettings;
import dev.multiproc.systemtests.LeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The contract of {@link Connection} across real processes, for every transport: one subclass
 * per transport names it in {@link #transport()}. Uses only the public API.
 *
 * <p>Targets are lambdas that capture Connection ends (and plain values), never the test
 * instance: they run in a child JVM.
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class ConnectionContract {
    private static final Duration JOIN = Duration.ofSeconds(30);

    /** @return the transport under test: "pipe", "shm" or "socket" */
    protected abstract String transport();

    /** @return a new context on the transport under test */
    protected Context context() {
        return Multiproc.context(transport());
    }

    private static void joined(IpcProcess p) throws InterruptedException {
        assertThat(p.join(JOIN)).as("%s exited within %s", p.name(), JOIN).isTrue();
    }

    private static void exitedCleanly(IpcProcess p) throws InterruptedException {
        joined(p);
        assertThat(p.failure()).as("failure of %s", p.name()).isEmpty();
        assertThat(p.exitCode()).isEqualTo(OptionalInt.of(0));
    }

    private static long crc(byte[] data) {
        CRC32 crc = new CRC32();
        crc.update(data);
        return crc.getValue();
    }

    private static byte[] pattern(int size, int seed) {
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++) {
            data[i] = (byte) (i * 31 + seed + (i >>> 13));
        }
        return data;
    }

    @Test
    void theEchoExampleOfTheIssueWorks() throws Exception {
        try (Context ctx = context()) {
            Pipe pipe = ctx.pipe();
            Connection here = pipe.left();
            Connection there = pipe.right();
            IpcProcess echo = ctx.process("echo", () -> {
                for (String s; !(s = there.recv()).equals("bye"); ) {
                    there.send(s.toUpperCase());
                }
            }).start();
            here.send("hello");
            String reply = here.recv();
            assertThat(reply).isEqualTo("HELLO");
            here.send("bye");
            exitedCleanly(echo);
        }
    }

    @Test
    void anEndCapturedByALambdaSendsFromTheChildAndEndOfStreamFollowsItsExit() throws Exception {
        try (Context ctx = context()) {
            Pipe pipe = ctx.pipe(false);
            Connection reader = pipe.left();
            Connection writer = pipe.right();
            IpcProcess child = ctx.process(() -> {
                writer.send("pid " + ProcessHandle.current().pid());
                writer.send(List.of(1, 2, 3));
            }).start();
            assertThat((String) reader.recv()).isEqualTo("pid " + child.pid());
            assertThat((List<Integer>) reader.recv()).containsExactly(1, 2, 3);
            // the parent never closed the end it handed over: end of stream comes from the child's exit
            assertThatThrownBy(reader::recv).isInstanceOf(ConnectionClosedException.class);
            exitedCleanly(child);
        }
    }

    @Test
    void messagesSentBeforeTheChildStartedAreDelivered() throws Exception {
        try (Context ctx = context()) {
            Pipe pipe = ctx.pipe();
            Connection here = pipe.left();
            Connection there = pipe.right();
            for (int i = 0; i < 100; i++) {
                here.send(i);
            }
            IpcProcess child = ctx.process(() -> {
                int sum = 0;
                for (int i = 0; i < 100; i++) {
                    sum += there.<Integer>recv();
                }
                there.send(sum);
            }).start();
            assertThat((Integer) here.recv()).isEqualTo(4950);
            exitedCleanly(child);
        }
    }

    @Test
    void receiveDeliversEverythingThenEndOfStreamAfterThePeerChildExits() throws Exception {
        int count = 200; // a burst that fits the channel's buffer, so the child can exit before the parent reads
        try (Context ctx = context()) {
            Pipe pipe = ctx.pipe();
            Connection here = pipe.left();
            Connection there = pipe.right();
            IpcProcess child = ctx.process(() -> {
                for (int i = 0; i < count; i++) {
                    there.send("message " + i);
                }
                // exits right after the burst, without closing: every message must still arrive,
                // and the process's exit must end the stream
            }).start();
            exitedCleanly(child);
            for (int i = 0; i < count; i++) {
                assertThat((String) here.recv()).isEqualTo("message " + i);
            }
            assertThat(here.poll(Duration.ofSeconds(5))).as("end of stream is readable").isTrue();
            assertThatThrownBy(here::recv).isInstanceOf(ConnectionClosedException.class);
            assertThatThrownBy(here::recv).isInstanceOf(ConnectionClosedException.class);
        }
    }

    @Test
    void aPeerKilledWhileWritingAHugeFrameEndsTheStreamSayingHowMuchArrived() throws Exception {
        int size = 64 << 20;
        try (Context ctx = context()) {
            Pipe pipe = ctx.pipe(false);
            Connection reader = pipe.left();
            Connection writer = pipe.right();
            IpcProcess child = ctx.process(() -> {
                writer.sendBytes(new byte[size]); // blocks: the parent does not read until the child is dead
                writer.send("not reached");
            }).start();
            assertThat(reader.poll(Duration.ofSeconds(30))).as("the frame started to arrive").isTrue();
            child.kill();
            joined(child);
            assertThat(child.exitCode()).isEqualTo(OptionalInt.of(-9));
            assertThatThrownBy(reader::recvBytes).isInstanceOf(ConnectionClosedException.class)
                    .hasMessageContaining(String.valueOf(size));
        }
    }

    @Test
    void largeMessagesCrossProcessesIntact() throws Exception {
        byte[] sixteen = pattern(16 << 20, 7);
        long sixteenCrc = crc(sixteen);
        try (Context ctx = context()) {
            Pipe pipe = ctx.pipe();
            Connection here = pipe.left();
            Connection there = pipe.right();
            IpcProcess child = ctx.process(() -> {
                byte[] got = there.recvBytes();
                CRC32 crc = new CRC32();
                crc.update(got);
                there.send(new long[]{got.length, crc.getValue()});
                byte[] big = new byte[64 << 20];
                for (int i = 0; i < big.length; i += 4096) {
                    big[i] = (byte) (i >>> 12);
                }
                there.send(big);
                there.sendBytes(got, 1, got.length - 2);
            }).start();
            here.sendBytes(sixteen);
            assertThat((long[]) here.recv()).containsExactly(sixteen.length, sixteenCrc);
            byte[] big = here.recv();
            assertThat(big).hasSize(64 << 20);
            for (int i = 0; i < big.length; i += 4096) {
                assertThat(big[i]).isEqualTo((byte) (i >>> 12));
            }
            assertThat(here.recvBytes()).isEqualTo(Arrays.copyOfRange(sixteen, 1, sixteen.length - 1));
            exitedCleanly(child);
        }
    }

    @Test
    void manyMessagesFlowBothWaysAtOnce() throws Exception {
        int count = 50_000;
        try (Context ctx = context()) {
            Pipe pipe = ctx.pipe();
            Connection here = pipe.left();
            Connection there = pipe.right();
            IpcProcess child = ctx.process(() -> {
                for (int i = 0; i < count; i++) {
                    int v = there.recv();
                    if (v != i) {
                        throw new IllegalStateException("child got " + v + " where " + i + " was expected");
                    }
                    there.send(-v);
                }
            }).start();
            CompletableFuture<Void> sender = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < count; i++) {
                    here.send(i);
                }
            });
            for (int i = 0; i < count; i++) {
                assertThat((Integer) here.recv()).isEqualTo(-i);
            }
            sender.get(30, TimeUnit.SECONDS);
            exitedCleanly(child);
        }
    }

    @Test
    void severalChildrenEachTalkOnTheirOwnPipeAtOnce() throws Exception {
        int children = 6;
        int count = 2_000;
        try (Context ctx = context()) {
            List<Connection> ends = new ArrayList<>();
            List<IpcProcess> processes = new ArrayList<>();
            for (int c = 0; c < children; c++) {
                Pipe pipe = ctx.pipe();
                Connection there = pipe.right();
                int id = c;
                ends.add(pipe.left());
                processes.add(ctx.process(() -> {
                    for (int i = 0; i < count; i++) {
                        there.send(id * 1_000_000 + there.<Integer>recv());
                    }
                }).start());
            }
            for (int i = 0; i < count; i++) {
                for (Connection end : ends) {
                    end.send(i);
                }
                for (int c = 0; c < children; c++) {
                    assertThat((Integer) ends.get(c).recv()).isEqualTo(c * 1_000_000 + i);
                }
            }
            for (IpcProcess p : processes) {
                exitedCleanly(p);
            }
        }
    }

    @Test
    void bytesKeepTheirBoundariesAcrossProcesses() throws Exception {
        try (Context ctx = context()) {
            Pipe pipe = ctx.pipe();
            Connection here = pipe.left();
            Connection there = pipe.right();
            IpcProcess child = ctx.process(() -> {
                for (int size : new int[]{0, 1, 17, 65_536, 3, 200_000}) {
                    there.sendBytes(new byte[size]);
                }
                byte[] buffer = new byte[8];
                there.send(there.recvBytesInto(buffer, 2));
                try {
                    there.recvBytesInto(buffer, 2);
                    there.send("no BufferTooShortException");
                } catch (dev.multiproc.BufferTooShortException e) {
                    there.send(e.message());
                }
            }).start();
            List<Integer> sizes = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                sizes.add(here.recvBytes().length);
            }
            assertThat(sizes).containsExactly(0, 1, 17, 65_536, 3, 200_000);
            here.sendBytes(new byte[]{1, 2, 3, 4, 5, 6});
            here.sendBytes(new byte[]{9, 8, 7, 6, 5, 4, 3});
            assertThat((Integer) here.recv()).isEqualTo(6);
            assertThat((byte[]) here.recv()).containsExactly(9, 8, 7, 6, 5, 4, 3);
            exitedCleanly(child);
        }
    }

    @Test
    void anUnserializableValueFailsItsSendAndTheConnectionStaysUsable() throws Exception {
        try (Context ctx = context()) {
            Pipe pipe = ctx.pipe();
            Connection here = pipe.left();
            Connection there = pipe.right();
            IpcProcess child = ctx.process(() -> there.send("first: " + there.recv())).start();
            assertThatThrownBy(() -> here.send(new Thread())).isInstanceOf(SerializationException.class)
                    .hasMessageContaining("java.lang.Thread");
            here.send("ok");
            assertThat((String) here.recv()).isEqualTo("first: ok");
            exitedCleanly(child);
        }
    }

    @Test
    void aFrameOverTheLimitIsRefusedNamingBothNumbers() throws Exception {
        String previous = System.getProperty(ContextSettings.MAX_FRAME_BYTES);
        System.setProperty(ContextSettings.MAX_FRAME_BYTES, "4096");
        Context ctx;
        try {
            ctx = context();
        } finally {
            if (previous == null) {
                System.clearProperty(ContextSettings.MAX_FRAME_BYTES);
            } else {
                System.setProperty(ContextSettings.MAX_FRAME_BYTES, previous);
            }
        }
        try (ctx) {
            Pipe pipe = ctx.pipe();
            Connection here = pipe.left();
            Connection there = pipe.right();
            IpcProcess child = ctx.process(() -> there.send(there.recvBytes().length)).start();
            assertThatThrownBy(() -> here.sendBytes(new byte[5000])).isInstanceOf(FrameTooLargeException.class)
                    .hasMessageContaining("5000").hasMessageContaining("4096");
            here.sendBytes(new byte[4096]);
            assertThat((Integer) here.recv()).isEqualTo(4096);
            exitedCleanly(child);
        }
    }

    @Test
    void anEndUsedHereCannotMoveToAChild() throws Exception {
        try (Context ctx = context()) {
            Pipe pipe = ctx.pipe();
            Connection here = pipe.left();
            Connection there = pipe.right();
            there.send("used in the parent");
            assertThat((String) here.recv()).isEqualTo("used in the parent");
            IpcProcess child = ctx.process(() -> there.send("from the child")).start();
            joined(child);
            assertThat(child.exitCode()).isEqualTo(OptionalInt.of(1));
            assertThat(child.failure()).isPresent();
            // the error says the end was used, and where
            assertThat(child.failure().orElseThrow()).hasStackTraceContaining("used")
                    .hasStackTraceContaining(String.valueOf(ProcessHandle.current().pid()));
            there.send("still usable here");
            assertThat((String) here.recv()).isEqualTo("still usable here");
        }
    }

    @Test
    void anEndThatMovedToAChildIsNoLongerUsableHere() throws Exception {
        try (Context ctx = context()) {
            Pipe pipe = ctx.pipe();
            Connection here = pipe.left();
            Connection there = pipe.right();
            IpcProcess child = ctx.process(() -> there.send(there.<String>recv() + "!")).start();
            here.send("moved");
            assertThat((String) here.recv()).isEqualTo("moved!");
            assertThatThrownBy(() -> there.send("x")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("moved").hasMessageContaining(String.valueOf(child.pid()));
            assertThat(there.isClosed()).isTrue();
            exitedCleanly(child);
        }
    }

    @Test
    void anEndSentThroughAnotherConnectionWorksInTheChild() throws Exception {
        try (Context ctx = context()) {
            Pipe control = ctx.pipe();
            Pipe data = ctx.pipe(false);
            Connection here = control.left();
            Connection there = control.right();
            IpcProcess child = ctx.process(() -> {
                Connection writer = there.recv();
                writer.send("through an end that came by message");
                writer.close();
            }).start();
            here.send(data.right());
            assertThat((String) data.left().recv()).isEqualTo("through an end that came by message");
            assertThatThrownBy(data.left()::recv).isInstanceOf(ConnectionClosedException.class);
            exitedCleanly(child);
        }
    }

    @Test
    void pollWaitsForAMessageFromTheChild() throws Exception {
        try (Context ctx = context()) {
            Pipe pipe = ctx.pipe();
            Connection here = pipe.left();
            Connection there = pipe.right();
            IpcProcess child = ctx.process(() -> {
                there.recv();
                there.send("answer");
            }).start();
            long start = System.nanoTime();
            assertThat(here.poll(Duration.ofMillis(200))).isFalse();
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(Duration.ofMillis(200).toNanos());
            here.send("go");
            assertThat(here.poll(Duration.ofSeconds(30))).isTrue();
            assertThat((String) here.recv()).isEqualTo("answer");
            exitedCleanly(child);
        }
    }
}
