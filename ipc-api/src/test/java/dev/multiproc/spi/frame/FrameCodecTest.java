package dev.multiproc.spi.frame;

import dev.multiproc.FrameTooLargeException;
import dev.multiproc.IpcException;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The framing of Python's multiprocessing.connection, byte for byte. */
class FrameCodecTest {
    @Test
    void shortHeadersAreBigEndianSignedLengths() {
        byte[] h = new byte[4];
        assertThat(FrameCodec.writeHeader(h, 0, 0x01020304)).isEqualTo(4);
        assertThat(h).containsExactly(1, 2, 3, 4);
        assertThat(FrameCodec.readHeader(MemorySegment.ofArray(h), 0, 4, Long.MAX_VALUE)).isEqualTo(0x01020304);
        FrameCodec.writeHeader(h, 0, 0);
        assertThat(h).containsExactly(0, 0, 0, 0);
        FrameCodec.writeHeader(h, 0, Integer.MAX_VALUE);
        assertThat(h).containsExactly(0x7F, -1, -1, -1);
    }

    @Test
    void lengthsAbove2GiBMinus1UseTheEscapeAndA64BitLength() {
        long length = (1L << 31) + 5;
        assertThat(FrameCodec.headerBytes(length)).isEqualTo(12);
        byte[] h = new byte[12];
        FrameCodec.writeHeader(h, 0, length);
        assertThat(h).containsExactly(-1, -1, -1, -1, 0, 0, 0, 0, (byte) 0x80, 0, 0, 5);
        MemorySegment s = MemorySegment.ofArray(h);
        assertThat(FrameCodec.readHeader(s, 0, 4, Long.MAX_VALUE)).isEqualTo(FrameCodec.INCOMPLETE);
        assertThat(FrameCodec.readHeader(s, 0, 12, Long.MAX_VALUE)).isEqualTo(length);
        assertThat(FrameCodec.headerBytesAt(s, 0)).isEqualTo(12);
    }

    @Test
    void theLimitAndCorruptHeadersAreCheckedBeforeAnything() {
        byte[] h = new byte[4];
        FrameCodec.writeHeader(h, 0, 1025);
        assertThatThrownBy(() -> FrameCodec.readHeader(MemorySegment.ofArray(h), 0, 4, 1024))
                .isInstanceOf(FrameTooLargeException.class).hasMessageContaining("frame length 1025 exceeds limit 1024");
        byte[] negative = {-1, -1, -1, -2};
        assertThatThrownBy(() -> FrameCodec.readHeader(MemorySegment.ofArray(negative), 0, 4, 1024))
                .isInstanceOf(IpcException.class).hasMessageContaining("negative length -2");
        assertThat(FrameCodec.readHeader(MemorySegment.ofArray(h), 0, 3, 1024)).isEqualTo(FrameCodec.INCOMPLETE);
    }
}
