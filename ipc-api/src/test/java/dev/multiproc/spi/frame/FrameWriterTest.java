package dev.multiproc.spi.frame;

import dev.multiproc.ConnectionClosedException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The coalescing policy, over a sink that records its writes. */
class FrameWriterTest {
    /** Records writes; takes at most {@code room} bytes per non-blocking write while {@code full}. */
    private static final class RecordingSink implements ByteSink {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final List<Long> writes = new ArrayList<>();
        final List<Thread> writers = new ArrayList<>();
        volatile boolean full;
        volatile boolean broken;

        @Override
        public synchronized long write(MemorySegment source, long offset, long length, boolean block) {
            if (broken) {
                throw new ConnectionClosedException("peer gone");
            }
            if (full && !block) {
                return 0;
            }
            byte[] b = new byte[(int) length];
            MemorySegment.copy(source, ValueLayout.JAVA_BYTE, offset, b, 0, b.length);
            bytes.writeBytes(b);
            writes.add(length);
            writers.add(Thread.currentThread());
            return length;
        }

        @Override
        public void awaitWritable(long timeoutNanos) {
        }

        synchronized List<byte[]> frames() throws Exception {
            List<byte[]> out = new ArrayList<>();
            ByteArrayInputStream in = new ByteArrayInputStream(bytes.toByteArray());
            for (byte[] f; (f = StreamFrames.read(in, Long.MAX_VALUE)) != null; ) {
                out.add(f);
            }
            return out;
        }
    }

    @Test
    void nowIsWrittenAtOnceAndLaterWaitsForTheNextWrite() throws Exception {
        RecordingSink sink = new RecordingSink();
        FrameWriter w = new FrameWriter(sink, null, 1024, TimeUnit.SECONDS.toNanos(10), "test");
        w.send(new byte[]{1}, 0, 1, FrameWriter.Urgency.LATER);
        synchronized (sink) {
            // pending, unless the flusher came first (it may, Flusher.LATER_DELAY_NANOS later)
            assertThat(sink.writers).as("a LATER send does not write itself").doesNotContain(Thread.currentThread());
        }
        w.send(new byte[]{2, 3}, 0, 2, FrameWriter.Urgency.NOW);
        assertThat(w.pendingBytes()).isZero();
        synchronized (sink) {
            if (sink.writers.size() == 1) {
                assertThat(sink.writes).as("the LATER frame went out with the NOW frame, in one write").containsExactly(11L);
            } else {
                assertThat(sink.writes).as("the flusher wrote the LATER frame, the send its own").containsExactly(5L, 6L);
            }
        }
        assertThat(sink.frames()).satisfiesExactly(f -> assertThat(f).containsExactly(1), f -> assertThat(f).containsExactly(2, 3));
    }

    @Test
    void aBurstIsCoalescedAndFlushedWithinTheFlushDelay() throws Exception {
        RecordingSink sink = new RecordingSink();
        FrameWriter w = new FrameWriter(sink, null, 1 << 16, TimeUnit.SECONDS.toNanos(10), "test");
        for (int i = 0; i < 100; i++) {
            w.send(new byte[]{(byte) i}, 0, 1, FrameWriter.Urgency.BURST);
        }
        assertThat(sink.writes.size()).as("the first is written at once, the rest coalesce").isLessThan(100);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (w.pendingBytes() > 0) {
            assertThat(System.nanoTime()).as("flushed by the flusher").isLessThan(deadline);
            Thread.onSpinWait();
        }
        assertThat(sink.frames()).hasSize(100);
        w.endBurst();
        int before = sink.writes.size();
        w.send(new byte[]{7}, 0, 1, FrameWriter.Urgency.BURST);
        assertThat(sink.writes).as("a receive ends the burst: written at once").hasSize(before + 1);
    }

    @Test
    void framesLargerThanTheBufferGoOutWholeAndNonBlockingWritersGrow() throws Exception {
        RecordingSink sink = new RecordingSink();
        FrameWriter w = new FrameWriter(sink, null, 64, 0, "test");
        byte[] big = new byte[1000];
        big[999] = 9;
        w.send(big, 0, big.length, FrameWriter.Urgency.NOW);
        assertThat(sink.frames()).singleElement().satisfies(f -> assertThat(f).isEqualTo(big));

        RecordingSink full = new RecordingSink();
        full.full = true;
        FrameWriter nb = FrameWriter.nonBlocking(full, 64, "broker");
        for (int i = 0; i < 50; i++) {
            nb.append(new byte[]{(byte) i}, 1, big, 0, 100);
        }
        assertThat(nb.flushNonBlocking()).isFalse();
        assertThat(nb.pendingBytes()).isEqualTo(50 * 105);
        full.full = false;
        assertThat(nb.flushNonBlocking()).isTrue();
        assertThat(full.frames()).hasSize(50);
    }

    @Test
    void aFailedBackgroundWriteIsReportedByTheNextSend() {
        RecordingSink sink = new RecordingSink();
        FrameWriter w = new FrameWriter(sink, null, 1024, TimeUnit.SECONDS.toNanos(10), "test");
        w.send(new byte[]{1}, 0, 1, FrameWriter.Urgency.NOW);
        sink.broken = true;
        w.send(new byte[]{2}, 0, 1, FrameWriter.Urgency.LATER);
        w.flushBeforeReceive(); // fails in the background
        assertThatThrownBy(() -> w.send(new byte[]{3}, 0, 1, FrameWriter.Urgency.NOW))
                .isInstanceOf(ConnectionClosedException.class).hasMessageContaining("earlier write failed");
    }
}
