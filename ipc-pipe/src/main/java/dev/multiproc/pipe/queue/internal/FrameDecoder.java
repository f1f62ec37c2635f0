package dev.multiproc.pipe.queue.internal;

import dev.multiproc.spi.ContextSettings;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * Cuts a byte stream into {@link QueueProtocol} frames: reads as much as the socket has into one
 * buffer and hands every complete frame in it to the handler, so one {@code read(2)} serves many
 * small frames. A frame larger than the buffer is read straight into an array of its own size,
 * after its length has been checked against the frame limit. Not thread-safe.
 */
final class FrameDecoder {
    /** Receives frames. The body buffer is valid only during the call. */
    interface Handler {
        /**
         * @param type the frame type
         * @param body its body, from position to limit
         */
        void frame(byte type, ByteBuffer body);
    }

    private static final int BUFFER_BYTES = 64 << 10;

    private final long maxBodyBytes;
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);
    private ByteBuffer large;
    private byte largeType;
    private boolean filled;

    /** @param maxBodyBytes the largest frame body accepted */
    FrameDecoder(long maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    /**
     * Reads once from the channel and delivers every frame completed.
     *
     * @param channel a blocking or non-blocking channel
     * @param handler receives the frames
     * @return bytes read, or -1 at end of stream
     * @throws IOException                           if the read fails
     * @throws dev.multiproc.FrameTooLargeException if a frame announces more than the limit
     */
    int readFrom(ReadableByteChannel channel, Handler handler) throws IOException {
        if (large != null) {
            int n = channel.read(large);
            filled = !large.hasRemaining();
            if (n > 0 && filled) {
                deliverLarge(handler);
            }
            return n;
        }
        int n = channel.read(buffer);
        filled = !buffer.hasRemaining();
        if (n > 0) {
            drain(handler);
        }
        return n;
    }

    /**
     * A read that got fewer bytes than it asked for emptied the socket at that moment, so another
     * read now would most likely return nothing: a caller that reads until drained can stop and
     * leave later bytes to its next select, saving one empty {@code read(2)} per wake-up.
     *
     * @return whether the last read filled all the room it was given (more may be waiting)
     */
    boolean lastReadFilled() {
        return filled;
    }

    private void deliverLarge(Handler handler) {
        ByteBuffer body = large.flip();
        large = null;
        handler.frame(largeType, body);
    }

    private void drain(Handler handler) {
        buffer.flip();
        while (buffer.remaining() >= QueueProtocol.HEADER_BYTES) {
            int start = buffer.position();
            int length = buffer.getInt(start);
            if (length < 1) {
                throw new IllegalArgumentException("frame length " + length + " is below 1 (corrupt stream)");
            }
            ContextSettings.checkFrameLength(length - 1L, maxBodyBytes);
            byte type = buffer.get(start + 4);
            if (buffer.remaining() >= 4 + length) {
                int end = start + 4 + length;
                ByteBuffer body = buffer.slice(start + QueueProtocol.HEADER_BYTES, length - 1);
                buffer.position(end);
                handler.frame(type, body);
            } else if (4 + length > buffer.capacity()) {
                large = ByteBuffer.allocate(length - 1);
                largeType = type;
                buffer.position(start + QueueProtocol.HEADER_BYTES);
                int take = Math.min(buffer.remaining(), large.remaining());
                large.put(large.position(), buffer, buffer.position(), take);
                large.position(take);
                buffer.position(buffer.position() + take);
                if (!large.hasRemaining()) {
                    deliverLarge(handler);
                }
            } else {
                break;
            }
        }
        buffer.compact();
    }
}
