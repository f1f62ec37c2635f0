package dev.multiproc.spi.broker;

import dev.multiproc.ConnectionClosedException;
import dev.multiproc.spi.frame.ByteSink;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * A {@link ByteSink} over a non-blocking NIO socket channel, for the brokered queue's
 * {@link dev.multiproc.spi.frame.FrameWriter}s. A blocking write waits for room in a selector of
 * its own. A pending interrupt of the calling thread is set aside during the write (an interrupt
 * closes a JDK socket channel) and set again afterwards. Used by one thread at a time (the
 * writer's lock).
 */
final class NioSink implements ByteSink {
    private final SocketChannel channel;
    private final String name;
    private Selector writable;

    NioSink(SocketChannel channel, String name) {
        this.channel = channel;
        this.name = name;
    }

    @Override
    public long write(MemorySegment source, long offset, long length, boolean block) {
        boolean interrupted = Thread.interrupted();
        try {
            while (true) {
                int n = channel.write(source.asSlice(offset, length).asByteBuffer());
                if (n > 0 || !block) {
                    return n;
                }
                awaitWritable(100_000_000L);
            }
        } catch (ClosedChannelException e) {
            throw new ConnectionClosedException(name + ": the connection is closed", e);
        } catch (IOException e) {
            throw new ConnectionClosedException(name + ": writing failed (" + e.getMessage() + ")", e);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void awaitWritable(long timeoutNanos) {
        try {
            if (writable == null) {
                writable = Selector.open();
                channel.register(writable, SelectionKey.OP_WRITE);
            }
            writable.select(Math.max(1, timeoutNanos / 1_000_000));
            writable.selectedKeys().clear();
        } catch (ClosedSelectorException | IOException e) {
            throw new ConnectionClosedException(name + ": the connection is closed", e);
        }
    }

    /** Releases the selector of blocking writes. */
    void close() {
        Selector s = writable;
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
