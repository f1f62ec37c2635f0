package dev.multiproc.spi.frame;

import dev.multiproc.FrameTooLargeException;
import dev.multiproc.IpcException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Cuts the bytes of a stream into whole {@link FrameCodec} frames, with no I/O of its own: the
 * channel reads into {@link #roomOffset()} of {@link #buffer()} (as many bytes as the socket
 * has, so one read can deliver many small frames), tells how many with {@link #filled}, and takes
 * frames with {@link #nextFrame()}.
 *
 * <pre>
 *  buffer: [ consumed | unread bytes ................ | room for the next read ]
 *          0          position                        limit                    capacity
 * </pre>
 *
 * <p>A frame that fits the buffer is handed out as a view of it. A larger one is assembled in a
 * heap array that grows as its bytes arrive (doubling, up to the announced length), so a header
 * announcing 2 GiB costs nothing until the bytes come: memory follows what arrived, never what was
 * announced. A frame the JVM cannot hold (longer than the largest array, or beyond the heap) is
 * read through and dropped, and {@link #nextFrame()} then throws {@link FrameTooLargeException}
 * naming the length, the limit and the heap; the stream stays usable. A length over the limit or a
 * corrupt header leaves the stream unusable (what follows cannot be told from garbage): every later
 * call throws the same error.
 *
 * <p>Not thread-safe: one reader at a time (the channel's receive lock).
 */
public final class FrameDecoder {
    /** The largest array the JVM allocates. */
    static final long MAX_ARRAY_BYTES = Integer.MAX_VALUE - 8;

    private final MemorySegment buffer;
    private final ByteBuffer nioBuffer;
    private long maxPayloadBytes;
    private final String name;
    private final DecodedFrame frame = new DecodedFrame();
    private long position;
    private long limit;
    /** Length of the frame being assembled or skipped, or -1. */
    private long largeLength = -1;
    private byte[] assembly;
    private long assembled;
    /** Why the large frame being read through is dropped, or null. */
    private FrameTooLargeException dropped;
    private RuntimeException broken;
    private boolean frameReady;

    /**
     * @param buffer          where reads go: a native segment (FFM reads) or a heap one; at least 12 bytes
     * @param maxPayloadBytes the largest payload accepted
     * @param name            the channel's name, for messages
     */
    public FrameDecoder(MemorySegment buffer, long maxPayloadBytes, String name) {
        this(buffer, null, maxPayloadBytes, name);
    }

    /**
     * @param buffer          where NIO reads go; its position and limit are not used
     * @param maxPayloadBytes the largest payload accepted
     * @param name            the channel's name, for messages
     */
    public FrameDecoder(ByteBuffer buffer, long maxPayloadBytes, String name) {
        this(MemorySegment.ofBuffer(buffer.clear()), buffer, maxPayloadBytes, name);
    }

    private FrameDecoder(MemorySegment buffer, ByteBuffer nioBuffer, long maxPayloadBytes, String name) {
        if (buffer.byteSize() < FrameCodec.LONG_HEADER_BYTES) {
            throw new IllegalArgumentException("a frame buffer needs at least " + FrameCodec.LONG_HEADER_BYTES
                    + " bytes, was " + buffer.byteSize());
        }
        this.buffer = buffer;
        this.nioBuffer = nioBuffer;
        this.maxPayloadBytes = maxPayloadBytes;
        this.name = name;
    }

    /**
     * Changes the largest payload accepted, for the frames whose header has not been read yet: a
     * connection's handshake frames are held to a few hundred bytes, its later frames to the
     * channel's limit.
     *
     * @param maxPayloadBytes the new limit
     */
    public void limit(long maxPayloadBytes) {
        this.maxPayloadBytes = maxPayloadBytes;
    }

    /** @return the buffer reads go into */
    public MemorySegment buffer() {
        return buffer;
    }

    /**
     * Makes room at the end of the buffer (moving unread bytes to the front when it is full).
     *
     * @return where the next read goes; {@link #roomBytes()} bytes are free there
     */
    public long roomOffset() {
        makeRoom();
        return limit;
    }

    /** @return free bytes at {@link #roomOffset()}, after it was called */
    public long roomBytes() {
        return buffer.byteSize() - limit;
    }

    /**
     * For NIO channels: the buffer given to the constructor, positioned at the room.
     *
     * @return a view whose position is {@link #roomOffset()} and whose limit is the capacity
     */
    public ByteBuffer room() {
        if (nioBuffer == null) {
            throw new IllegalStateException(name + ": this decoder reads into a memory segment, not a ByteBuffer");
        }
        long at = roomOffset();
        return nioBuffer.duplicate().clear().position((int) at);
    }

    /** @param bytes how many bytes the last read put at {@link #roomOffset()} */
    public void filled(long bytes) {
        if (bytes < 0 || limit + bytes > buffer.byteSize()) {
            throw new IllegalArgumentException(name + ": " + bytes + " bytes cannot have been read into "
                    + roomBytes() + " bytes of room");
        }
        limit += bytes;
    }

    /** @return whether bytes that arrived are not yet part of a frame handed out */
    public boolean hasBufferedBytes() {
        return limit > position;
    }

    /** @return whether part of a frame (some of its header or payload) has arrived and not the rest */
    public boolean inFrame() {
        return largeLength >= 0 || limit > position;
    }

    /**
     * @return what arrived of the frame cut short, for the message of an end of stream, e.g.
     *         "3 of the 4 header bytes of a frame" or "10 of 100 bytes"; empty if the stream ended between frames
     */
    public String partialFrame() {
        if (largeLength >= 0) {
            return assembled + " of " + largeLength + " bytes";
        }
        long unread = limit - position;
        if (unread == 0) {
            return "";
        }
        int header = unread >= FrameCodec.SHORT_HEADER_BYTES ? FrameCodec.headerBytesAt(buffer, position)
                : FrameCodec.SHORT_HEADER_BYTES;
        if (unread < header) {
            return unread + " of the " + header + " header bytes of a frame";
        }
        long length = FrameCodec.readHeader(buffer, position, unread, Long.MAX_VALUE);
        return (unread - header) + " of " + length + " bytes";
    }

    /**
     * Looks for the next whole frame among the bytes that arrived. A frame handed out before must
     * have been consumed ({@link Frame#release()} or one of its reads) first.
     *
     * @return whether a frame is ready in {@link #frame()}; false: read more bytes first
     * @throws FrameTooLargeException if the frame is over the limit (the stream is then unusable), or
     *         could not be held here (it was dropped; the stream goes on)
     * @throws IpcException if the bytes are corrupt (the stream is then unusable)
     */
    public boolean nextFrame() {
        if (broken != null) {
            throw new IllegalStateException(name + " cannot receive: its stream is unusable after an earlier error: "
                    + broken.getMessage(), broken);
        }
        if (frameReady) {
            throw new IllegalStateException(name + ": the previous frame was not consumed");
        }
        if (largeLength >= 0) {
            return continueLarge();
        }
        long unread = limit - position;
        long length;
        try {
            length = FrameCodec.readHeader(buffer, position, unread, maxPayloadBytes);
        } catch (RuntimeException e) {
            broken = e;
            throw e;
        }
        if (length == FrameCodec.INCOMPLETE) {
            return false;
        }
        int header = FrameCodec.headerBytesAt(buffer, position);
        if (header + length <= buffer.byteSize()) {
            if (unread < header + length) {
                return false; // fits once the rest arrives
            }
            frame.view(position + header, (int) length);
            position += header + length;
            frameReady = true;
            return true;
        }
        position += header;
        largeLength = length;
        assembled = 0;
        assembly = null;
        dropped = length > MAX_ARRAY_BYTES ? tooLarge(length, "longer than the largest array the JVM holds ("
                + MAX_ARRAY_BYTES + " bytes)") : null;
        return continueLarge();
    }

    /** Moves what arrived of a large frame into its array, growing it; drops it if it cannot grow. */
    private boolean continueLarge() {
        long take = Math.min(limit - position, largeLength - assembled);
        if (take > 0 && dropped == null) {
            growFor(assembled + take);
        }
        if (take > 0 && dropped == null) {
            MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, position, assembly, (int) assembled, (int) take);
        }
        position += take;
        assembled += take;
        if (assembled < largeLength) {
            return false;
        }
        largeLength = -1;
        if (dropped != null) {
            FrameTooLargeException e = dropped;
            dropped = null;
            assembly = null;
            throw e;
        }
        frame.array(assembly);
        assembly = null;
        frameReady = true;
        return true;
    }

    private void growFor(long needed) {
        if (assembly != null && assembly.length >= needed) {
            return;
        }
        long size = Math.max(needed, Math.min(largeLength, Math.max(buffer.byteSize(),
                assembly == null ? 0 : 2L * assembly.length)));
        try {
            assembly = assembly == null ? new byte[(int) size] : Arrays.copyOf(assembly, (int) size);
        } catch (OutOfMemoryError e) {
            assembly = null;
            dropped = tooLarge(largeLength, "more than this JVM's heap can hold now (max heap "
                    + Runtime.getRuntime().maxMemory() + " bytes, free " + Runtime.getRuntime().freeMemory() + ")");
        }
    }

    private FrameTooLargeException tooLarge(long length, String why) {
        return new FrameTooLargeException(length, maxPayloadBytes, name + ": a frame of " + length
                + " bytes (limit " + maxPayloadBytes + ") is " + why + "; it was read through and dropped");
    }

    /** Consumes the ready frame if its reader left it unread (a reader that failed before reading). */
    public void releaseUnread() {
        frameReady = false;
    }

    /** @return the frame {@link #nextFrame()} made ready */
    public Frame frame() {
        if (!frameReady) {
            throw new IllegalStateException(name + ": no frame is ready");
        }
        return frame;
    }

    private void makeRoom() {
        if (position == limit) {
            position = 0;
            limit = 0;
        } else if (limit == buffer.byteSize() && position > 0) {
            MemorySegment.copy(buffer, position, buffer, 0, limit - position);
            limit -= position;
            position = 0;
        }
    }

    /** The decoder's frame: a view of its buffer, or an array of its own for a large frame. */
    private final class DecodedFrame implements Frame {
        private long offset;
        private int length;
        private byte[] array;

        private DecodedFrame() {
        }

        void view(long offset, int length) {
            this.offset = offset;
            this.length = length;
            this.array = null;
        }

        void array(byte[] whole) {
            this.array = whole;
            this.offset = 0;
            this.length = whole.length;
        }

        @Override
        public int length() {
            return length;
        }

        @Override
        public MemorySegment segment() {
            return array != null ? MemorySegment.ofArray(array) : buffer.asSlice(offset, length);
        }

        @Override
        public byte[] toArray() {
            byte[] out = array != null ? array : new byte[length];
            if (array == null) {
                MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, offset, out, 0, length);
            }
            release();
            return out;
        }

        @Override
        public void copyTo(byte[] destination, int at) {
            if (array != null) {
                System.arraycopy(array, 0, destination, at, length);
            } else {
                MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, offset, destination, at, length);
            }
            release();
        }

        @Override
        public void release() {
            array = null;
            frameReady = false;
        }
    }
}
