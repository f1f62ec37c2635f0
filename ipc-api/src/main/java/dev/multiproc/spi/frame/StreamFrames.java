package dev.multiproc.spi.frame;

import dev.multiproc.FrameTooLargeException;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Whole {@link FrameCodec} frames over blocking streams, for the few channels that are plain
 * streams rather than sockets of a transport: a child's stdin (its bootstrap) and its control
 * socket (hello and exit). Reading grows the payload as its bytes arrive, so an announced length
 * costs nothing until the bytes come. Stateless.
 */
public final class StreamFrames {
    private static final int CHUNK = 64 * 1024;

    private StreamFrames() {
    }

    /**
     * Writes one frame and flushes.
     *
     * @param out     the stream
     * @param payload the payload
     * @throws IOException if the stream fails
     */
    public static void write(OutputStream out, byte[] payload) throws IOException {
        byte[] header = new byte[FrameCodec.headerBytes(payload.length)];
        FrameCodec.writeHeader(header, 0, payload.length);
        out.write(header);
        out.write(payload);
        out.flush();
    }

    /**
     * Reads one frame.
     *
     * @param in    the stream
     * @param limit the largest payload accepted
     * @return the payload, or null at end of stream before a frame began
     * @throws EOFException           if the stream ends inside a frame
     * @throws FrameTooLargeException if the frame is over the limit
     * @throws IOException            if the stream fails
     */
    public static byte[] read(InputStream in, long limit) throws IOException {
        byte[] header = new byte[FrameCodec.LONG_HEADER_BYTES];
        int got = readUpTo(in, header, 0, FrameCodec.SHORT_HEADER_BYTES);
        if (got == 0) {
            return null;
        }
        if (got < FrameCodec.SHORT_HEADER_BYTES) {
            throw new EOFException("stream ended after " + got + " of the 4 header bytes of a frame");
        }
        MemorySegment h = MemorySegment.ofArray(header);
        int headerBytes = FrameCodec.headerBytesAt(h, 0);
        if (headerBytes > got && readUpTo(in, header, got, headerBytes - got) < headerBytes - got) {
            throw new EOFException("stream ended inside the 12-byte header of a frame");
        }
        long length = FrameCodec.readHeader(h, 0, headerBytes, limit);
        byte[] payload = new byte[(int) Math.min(length, CHUNK)];
        int filled = 0;
        while (filled < length) {
            if (filled == payload.length) {
                payload = Arrays.copyOf(payload, (int) Math.min(length, 2L * payload.length));
            }
            int n = in.read(payload, filled, payload.length - filled);
            if (n < 0) {
                throw new EOFException("stream ended after " + filled + " of " + length + " bytes of a frame");
            }
            filled += n;
        }
        return payload;
    }

    private static int readUpTo(InputStream in, byte[] into, int offset, int count) throws IOException {
        int got = 0;
        while (got < count) {
            int n = in.read(into, offset + got, count - got);
            if (n < 0) {
                break;
            }
            got += n;
        }
        return got;
    }
}
