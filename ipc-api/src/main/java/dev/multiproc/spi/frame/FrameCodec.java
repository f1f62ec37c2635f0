package dev.multiproc.spi.frame;

import dev.multiproc.FrameTooLargeException;
import dev.multiproc.IpcException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The one frame format of every stream channel: Python's {@code multiprocessing.connection}
 * framing, so a CPython peer reads our bytes and we read its.
 *
 * <pre>
 *  payload length n &lt;= 0x7FFFFFFF (short header, 4 bytes):
 *  +-------------------------+------------------+
 *  | n: int32, big-endian    | payload (n bytes)|
 *  +-------------------------+------------------+
 *   0                        4
 *
 *  payload length n &gt; 0x7FFFFFFF (long header, 12 bytes):
 *  +-------------------------+------------------------+------------------+
 *  | FF FF FF FF (escape)    | n: uint64, big-endian  | payload (n bytes)|
 *  +-------------------------+------------------------+------------------+
 *   0                        4                        12
 * </pre>
 * An empty message is {@code 00 00 00 00}. The escape header is written only above 2^31 - 1, as
 * CPython does (older readers cannot read it); any length is read in either form. A negative
 * short length other than the escape is corrupt (CPython would read an empty message; we refuse).
 *
 * <p>The codec does no I/O: it reads and writes headers in memory. It is also where every frame
 * length is checked against the limit, before anything is allocated for the payload. Stateless.
 */
public final class FrameCodec {
    /** Bytes of a short header. */
    public static final int SHORT_HEADER_BYTES = 4;
    /** Bytes of a long header (escape, then the 64-bit length). */
    public static final int LONG_HEADER_BYTES = 12;
    /** Offset of the 64-bit length in a long header. */
    static final int LONG_LENGTH_OFFSET = 4;
    /** The short-header value that announces a long header. */
    static final int ESCAPE = -1;
    /** Longest payload a short header carries. */
    public static final long MAX_SHORT_LENGTH = Integer.MAX_VALUE;
    /** {@link #readHeader} when the header has not arrived whole yet. */
    public static final long INCOMPLETE = -1;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private FrameCodec() {
    }

    /**
     * @param payloadLength the payload's length
     * @return the bytes of its header: 4, or 12 above 2^31 - 1
     */
    public static int headerBytes(long payloadLength) {
        return payloadLength > MAX_SHORT_LENGTH ? LONG_HEADER_BYTES : SHORT_HEADER_BYTES;
    }

    /**
     * Writes the header of a payload.
     *
     * @param destination where to write; at least {@link #headerBytes} bytes from {@code offset}
     * @param offset      where the header starts
     * @param payloadLength the payload's length, not negative
     * @return the header's length
     */
    public static int writeHeader(MemorySegment destination, long offset, long payloadLength) {
        if (payloadLength < 0) {
            throw new IllegalArgumentException("frame length must not be negative, was " + payloadLength);
        }
        if (payloadLength <= MAX_SHORT_LENGTH) {
            destination.set(INT, offset, (int) payloadLength);
            return SHORT_HEADER_BYTES;
        }
        destination.set(INT, offset, ESCAPE);
        destination.set(LONG, offset + LONG_LENGTH_OFFSET, payloadLength);
        return LONG_HEADER_BYTES;
    }

    /**
     * @param destination a heap array
     * @param offset      where the header starts
     * @param payloadLength the payload's length
     * @return the header's length
     */
    public static int writeHeader(byte[] destination, int offset, long payloadLength) {
        return writeHeader(MemorySegment.ofArray(destination), offset, payloadLength);
    }

    /**
     * Reads a header, checking the length it announces against the limit.
     *
     * @param source    bytes received
     * @param offset    where the header starts
     * @param available how many bytes from {@code offset} have arrived
     * @param limit     the largest payload accepted
     * @return the payload length, or {@link #INCOMPLETE} if the header has not arrived whole
     *         (its size is then {@link #headerBytesAt} once 4 bytes are there)
     * @throws FrameTooLargeException if the length is over the limit
     * @throws IpcException           if the header is corrupt (a negative length)
     */
    public static long readHeader(MemorySegment source, long offset, long available, long limit) {
        if (available < SHORT_HEADER_BYTES) {
            return INCOMPLETE;
        }
        int first = source.get(INT, offset);
        long length;
        if (first >= 0) {
            length = first;
        } else if (first == ESCAPE) {
            if (available < LONG_HEADER_BYTES) {
                return INCOMPLETE;
            }
            length = source.get(LONG, offset + LONG_LENGTH_OFFSET);
            if (length < 0) {
                throw new IpcException("corrupt frame header: announced length " + Long.toUnsignedString(length)
                        + " is above 2^63 - 1");
            }
        } else {
            throw new IpcException("corrupt frame header: negative length " + first
                    + " (only -1 announces a long header)");
        }
        checkLength(length, limit);
        return length;
    }

    /**
     * @param source bytes received, at least 4 from {@code offset}
     * @param offset where the header starts
     * @return the size of the header that starts there
     */
    public static int headerBytesAt(MemorySegment source, long offset) {
        return source.get(INT, offset) == ESCAPE ? LONG_HEADER_BYTES : SHORT_HEADER_BYTES;
    }

    /**
     * The one check of a frame length, sent or announced, against the limit.
     *
     * @param length a payload length
     * @param limit  the largest accepted
     * @throws FrameTooLargeException if it is negative or over the limit
     */
    public static void checkLength(long length, long limit) {
        if (length < 0 || length > limit) {
            throw new FrameTooLargeException(length, limit);
        }
    }
}
