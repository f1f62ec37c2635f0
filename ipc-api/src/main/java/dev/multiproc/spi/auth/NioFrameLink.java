package dev.multiproc.spi.auth;

import dev.multiproc.FrameTooLargeException;
import dev.multiproc.spi.frame.FrameCodec;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * A {@link FrameLink} over an NIO socket channel, for a handshake before the channel's real
 * reader takes over: it reads exactly one frame at a time (header, then payload), so the bytes
 * the peer sends after the handshake stay in the socket for that reader. The channel is put in
 * non-blocking mode and waited on with a selector of its own, released by {@link #close()}.
 * Not thread-safe.
 */
public final class NioFrameLink implements FrameLink, AutoCloseable {
    private final SocketChannel channel;
    private final Selector selector;
    private final SelectionKey key;
    private final String peer;

    /**
     * @param channel a connected channel, registered with no selector
     * @param peer    who is at the other end, for messages
     * @throws IOException if the channel cannot be made non-blocking
     */
    public NioFrameLink(SocketChannel channel, String peer) throws IOException {
        this.channel = channel;
        this.peer = peer;
        channel.configureBlocking(false);
        this.selector = Selector.open();
        this.key = channel.register(selector, 0);
    }

    @Override
    public void send(byte[] payload) throws IOException {
        ByteBuffer frame = ByteBuffer.allocate(FrameCodec.SHORT_HEADER_BYTES + payload.length);
        FrameCodec.writeHeader(MemorySegment.ofBuffer(frame), 0, payload.length);
        frame.position(FrameCodec.SHORT_HEADER_BYTES).put(payload).flip();
        while (frame.hasRemaining()) {
            if (channel.write(frame) == 0) {
                await(SelectionKey.OP_WRITE, TimeUnit.SECONDS.toNanos(1));
            }
        }
    }

    @Override
    public byte[] receive(int maxBytes, long timeoutNanos) throws IOException {
        long deadline = System.nanoTime() + timeoutNanos;
        ByteBuffer header = ByteBuffer.allocate(FrameCodec.SHORT_HEADER_BYTES);
        if (!fill(header, deadline)) {
            return null;
        }
        long length = FrameCodec.readHeader(MemorySegment.ofBuffer(header.flip()), 0,
                FrameCodec.SHORT_HEADER_BYTES, maxBytes);
        if (length == FrameCodec.INCOMPLETE) { // a long header: 2 GiB or more
            throw new FrameTooLargeException(FrameCodec.MAX_SHORT_LENGTH + 1L, maxBytes, peer
                    + " announced a handshake frame of 2 GiB or more; the limit is " + maxBytes + " bytes");
        }
        ByteBuffer payload = ByteBuffer.allocate((int) length);
        return fill(payload, deadline) ? payload.array() : null;
    }

    /** @return whether the buffer was filled before the deadline */
    private boolean fill(ByteBuffer buffer, long deadline) throws IOException {
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer);
            if (n < 0) {
                throw new EOFException(peer + " closed the connection during the authentication handshake");
            }
            if (n == 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !await(SelectionKey.OP_READ, left)) {
                    return false;
                }
            }
        }
        return true;
    }

    private boolean await(int ops, long nanos) throws IOException {
        key.interestOps(ops);
        try {
            return selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos))) > 0;
        } finally {
            selector.selectedKeys().clear();
            key.interestOps(0);
        }
    }

    /** Releases the selector; the channel stays open, non-blocking and unregistered. */
    @Override
    public void close() throws IOException {
        key.cancel();
        selector.close();
    }
}
