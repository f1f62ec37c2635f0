package dev.multiproc.pipe.queue.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A {@link BrokerLink} over a Unix-domain socket to a broker in another process: frames go out
 * through an {@link Outbox}, and a reader thread ({@code multiproc-queue-reader-<name>}, daemon)
 * decodes the broker's frames, many per read, into the client's {@code on...} methods.
 * Thread-safe.
 */
final class RemoteLink implements BrokerLink {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteLink.class);

    private final QueueClient client;
    private final SocketChannel channel;
    private final Outbox out;
    private final Thread reader;
    private volatile boolean closing;

    /**
     * Connects.
     *
     * @throws IOException if the broker's socket cannot be reached
     */
    RemoteLink(QueueClient client) throws IOException {
        this.client = client;
        QueueDescriptor q = client.queue();
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(q.path()));
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        this.channel = ch;
        this.out = new Outbox(ch, "multiproc-queue-writer-" + q.name(), this::writeFailed);
        out.longFrame(QueueProtocol.HELLO, ProcessHandle.current().pid());
        this.reader = Thread.ofPlatform().name("multiproc-queue-reader-" + q.name()).daemon(true).unstarted(this::runReader);
        reader.start();
    }

    @Override
    public void put(byte mode, long reqId, byte[] item) {
        out.put(mode, reqId, item);
    }

    @Override
    public void demand(int delta) {
        out.intFrame(QueueProtocol.DEMAND, delta);
    }

    @Override
    public void poll(long reqId) {
        out.longFrame(QueueProtocol.POLL, reqId);
    }

    @Override
    public void prefetch(int target) {
        out.intFrame(QueueProtocol.PREFETCH, target);
    }

    @Override
    public void ack() {
        out.ack();
    }

    @Override
    public void returned(int count) {
        out.intFrame(QueueProtocol.RETURN, count);
    }

    @Override
    public void size(long reqId) {
        out.longFrame(QueueProtocol.SIZE, reqId);
    }

    @Override
    public void taskDone(int count) {
        out.intFrame(QueueProtocol.TASK_DONE, count);
    }

    @Override
    public void doneCheck(long reqId) {
        out.longFrame(QueueProtocol.DONE_CHECK, reqId);
    }

    @Override
    public void join(long reqId) {
        out.longFrame(QueueProtocol.JOIN, reqId);
    }

    @Override
    public void cancel(long reqId) {
        out.longFrame(QueueProtocol.CANCEL, reqId);
    }

    @Override
    public void sync(long reqId) {
        out.longFrame(QueueProtocol.SYNC, reqId);
    }

    @Override
    public void awaitRoom() {
        out.awaitRoom();
    }

    @Override
    public void flush(Outbox.Urgency urgency) {
        out.flush(urgency);
    }

    @Override
    public void close() {
        closing = true;
        out.close();
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("queue {}: closing the socket failed", client.queue().name(), e);
        }
        if (Thread.currentThread() != reader) {
            try {
                reader.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void writeFailed(IOException e) {
        if (!closing) {
            client.onDisconnected("sending to the broker failed (" + e.getMessage() + ")");
        }
    }

    private void runReader() {
        FrameDecoder decoder = new FrameDecoder(client.queue().maxFrameBytes() + 16L);
        String why;
        try {
            while (decoder.readFrom(channel, this::onFrame) >= 0) {
                // every complete frame was handled
            }
            why = "the broker closed the connection";
        } catch (ClosedChannelException e) {
            why = "the connection was closed";
        } catch (IOException | RuntimeException e) {
            LOG.debug("queue {}: reading from the broker failed", client.queue().name(), e);
            why = "reading from the broker failed (" + e + ")";
        }
        if (!closing) {
            client.onDisconnected(why);
        }
    }

    private void onFrame(byte type, ByteBuffer body) {
        switch (type) {
            case QueueProtocol.ITEM -> {
                byte kind = body.get();
                byte[] item = new byte[body.remaining()];
                body.get(item);
                client.onItem(kind, item);
            }
            case QueueProtocol.REPLY -> client.onReply(body.getLong(), body.get(), body.getLong());
            case QueueProtocol.RECALL -> client.onRecall();
            case QueueProtocol.PUSH_OFF -> client.onPushOff();
            case QueueProtocol.REVOKE -> client.onRevoke(body.getInt());
            case QueueProtocol.ERROR -> {
                long id = body.getLong();
                client.onError(id, StandardCharsets.UTF_8.decode(body).toString());
            }
            default -> throw new IllegalArgumentException("unexpected frame " + QueueProtocol.name(type)
                    + " from the broker of queue " + client.queue().name());
        }
    }
}
