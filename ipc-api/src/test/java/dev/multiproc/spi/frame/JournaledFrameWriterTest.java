package dev.multiproc.spi.frame;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A writer whose buffer is a journal's: after every step, whatever the socket took, the journal
 * holds exactly the bytes framed and not yet written, where it says they are. A peer that joins
 * what it received with what the journal holds reads every frame whose send returned.
 */
class JournaledFrameWriterTest {
    /** Takes a few bytes per write, and none at all for non-blocking writes while full. */
    private static final class TrickleSink implements ByteSink {
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final SplittableRandom random = new SplittableRandom(7);
        boolean full;

        @Override
        public synchronized long write(MemorySegment source, long offset, long length, boolean block) {
            if (full && !block) {
                return 0;
            }
            int n = (int) Math.min(length, 1 + random.nextInt(40));
            byte[] b = new byte[n];
            MemorySegment.copy(source, ValueLayout.JAVA_BYTE, offset, b, 0, n);
            received.writeBytes(b);
            return n;
        }

        @Override
        public void awaitWritable(long timeoutNanos) {
        }

        synchronized byte[] received() {
            return received.toByteArray();
        }
    }

    /** A journal in plain memory, recording what the writer says it holds. */
    private static final class MemoryJournal implements WriteJournal {
        final MemorySegment buffer = Arena.ofAuto().allocate(256, 64);
        long base;
        long end;

        @Override
        public MemorySegment buffer() {
            return buffer;
        }

        @Override
        public synchronized void record(long base, long end) {
            assertThat(end).isGreaterThanOrEqualTo(base);
            assertThat(end - base).isLessThanOrEqualTo(buffer.byteSize());
            this.base = base;
            this.end = end;
        }

        /**
         * What a peer would read once the writer is gone: what the sink took, then the journal's
         * bytes from there on. The journal is read first: a background flush may write more
         * meanwhile, but never past the end the journal gave.
         */
        synchronized byte[] peerView(TrickleSink sink) {
            long b = base;
            long e = end;
            byte[] held = buffer.asSlice(0, e - b).toArray(ValueLayout.JAVA_BYTE);
            byte[] received = sink.received();
            assertThat((long) received.length).isBetween(b, e);
            byte[] view = Arrays.copyOf(received, (int) e);
            System.arraycopy(held, (int) (received.length - b), view, received.length, (int) (e - received.length));
            return view;
        }
    }

    @Test
    void theJournalAlwaysHoldsWhatTheSocketHasNotTaken() throws Exception {
        TrickleSink sink = new TrickleSink();
        MemoryJournal journal = new MemoryJournal();
        FrameWriter w = new FrameWriter(sink, journal, TimeUnit.SECONDS.toNanos(10), "test");
        SplittableRandom random = new SplittableRandom(11);
        ByteArrayOutputStream framed = new ByteArrayOutputStream();
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            byte[] payload = new byte[random.nextInt(i % 97 == 0 ? 600 : 60)]; // some larger than the buffer
            random.nextBytes(payload);
            sink.full = random.nextInt(3) == 0;
            FrameWriter.Urgency urgency = FrameWriter.Urgency.values()[random.nextInt(3)];
            w.send(payload, 0, payload.length, urgency);
            if (random.nextInt(5) == 0) {
                w.flushBeforeReceive(); // a partial, non-blocking write
            }
            sent.add(payload);
            byte[] header = new byte[FrameCodec.headerBytes(payload.length)];
            FrameCodec.writeHeader(header, 0, payload.length);
            framed.writeBytes(header);
            framed.writeBytes(payload);

            byte[] peerView = journal.peerView(sink);
            assertThat(Arrays.equals(peerView, framed.toByteArray())).as("after send %d", i).isTrue();
        }
        assertThat(frames(framed.toByteArray())).hasSameSizeAs(sent);
    }

    private static List<byte[]> frames(byte[] stream) throws Exception {
        List<byte[]> out = new ArrayList<>();
        ByteArrayInputStream in = new ByteArrayInputStream(stream);
        for (byte[] f; (f = StreamFrames.read(in, Long.MAX_VALUE)) != null; ) {
            out.add(f);
        }
        return out;
    }
}
