package dev.multiproc.spi.frame;

import dev.multiproc.FrameTooLargeException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The decoder fed by hand, as a channel feeds it from its reads. */
class FrameDecoderTest {
    private static byte[] frames(byte[]... payloads) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : payloads) {
            StreamFrames.write(out, p);
        }
        return out.toByteArray();
    }

    /** Feeds {@code stream} in pieces of {@code piece} bytes and collects every frame. */
    private static List<byte[]> decode(FrameDecoder d, byte[] stream, int piece) {
        List<byte[]> got = new ArrayList<>();
        int at = 0;
        while (at < stream.length) {
            long room = d.roomOffset();
            int n = (int) Math.min(Math.min(piece, d.roomBytes()), stream.length - at);
            MemorySegment.copy(stream, at, d.buffer(), ValueLayout.JAVA_BYTE, room, n);
            d.filled(n);
            at += n;
            while (d.nextFrame()) {
                got.add(d.frame().toArray());
            }
        }
        return got;
    }

    @Test
    void manyFramesOfOneReadAndFramesSplitAcrossReadsComeOutWhole() throws Exception {
        Random random = new Random(3);
        byte[][] payloads = new byte[300][];
        for (int i = 0; i < payloads.length; i++) {
            payloads[i] = new byte[random.nextInt(i % 50 == 0 ? 5000 : 40)];
            random.nextBytes(payloads[i]);
        }
        for (int piece : new int[]{1, 7, 1000, 1 << 20}) {
            FrameDecoder d = new FrameDecoder(MemorySegment.ofArray(new byte[1024]), 1 << 20, "test");
            List<byte[]> got = decode(d, frames(payloads), piece);
            assertThat(got).hasSize(payloads.length);
            for (int i = 0; i < payloads.length; i++) {
                assertThat(got.get(i)).as("frame %d, pieces of %d", i, piece).isEqualTo(payloads[i]);
            }
            assertThat(d.inFrame()).isFalse();
        }
    }

    @Test
    void aLargeFrameGrowsWithWhatArrivedNotWithWhatWasAnnounced() throws Exception {
        FrameDecoder d = new FrameDecoder(MemorySegment.ofArray(new byte[256]), Integer.MAX_VALUE, "test");
        byte[] header = new byte[4];
        FrameCodec.writeHeader(header, 0, Integer.MAX_VALUE - 100); // announces ~2 GiB
        decode(d, header, 4);
        decode(d, new byte[1000], 1000);
        assertThat(d.partialFrame()).isEqualTo("1000 of " + (Integer.MAX_VALUE - 100) + " bytes");
        long heapUsed = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        assertThat(heapUsed).as("nothing near 2 GiB was allocated").isLessThan(1L << 30);
    }

    @Test
    void aFrameOverTheLimitMakesTheStreamUnusable() throws Exception {
        FrameDecoder d = new FrameDecoder(MemorySegment.ofArray(new byte[256]), 10, "test");
        assertThatThrownBy(() -> decode(d, frames(new byte[11]), 100)).isInstanceOf(FrameTooLargeException.class)
                .hasMessageContaining("11").hasMessageContaining("10");
        assertThatThrownBy(d::nextFrame).isInstanceOf(IllegalStateException.class).hasMessageContaining("unusable");
    }

    @Test
    void aFrameLongerThanAnArrayIsReadThroughDroppedAndTheStreamGoesOn() {
        FrameDecoder d = new FrameDecoder(MemorySegment.ofArray(new byte[1 << 16]), Long.MAX_VALUE, "test");
        long length = FrameDecoder.MAX_ARRAY_BYTES + 1;
        byte[] header = new byte[FrameCodec.headerBytes(length)];
        FrameCodec.writeHeader(header, 0, length);
        decode(d, header, header.length);
        byte[] chunk = new byte[1 << 16];
        long fed = 0;
        FrameTooLargeException dropped = null;
        while (fed < length) {
            int n = (int) Math.min(chunk.length, length - fed);
            long room = d.roomOffset();
            MemorySegment.copy(chunk, 0, d.buffer(), ValueLayout.JAVA_BYTE, room, n);
            d.filled(n);
            fed += n;
            try {
                assertThat(d.nextFrame()).isFalse();
            } catch (FrameTooLargeException e) {
                dropped = e;
            }
        }
        assertThat(dropped).isNotNull();
        assertThat(dropped.getMessage()).contains(Long.toString(length)).contains("largest array");
        List<byte[]> after = new ArrayList<>();
        try {
            after = decode(d, frames(new byte[]{42}), 100);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertThat(after).hasSize(1);
        assertThat(after.get(0)).containsExactly(42);
    }
}
