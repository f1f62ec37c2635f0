package dev.multiproc.spi.channel;

import dev.multiproc.BufferTooShortException;
import dev.multiproc.Connection;
import dev.multiproc.ConnectionClosedException;
import dev.multiproc.Serializer;
import dev.multiproc.spi.SerializedHandle;
import dev.multiproc.spi.Serializers;
import dev.multiproc.spi.frame.Frame;
import dev.multiproc.spi.frame.FrameCodec;
import dev.multiproc.spi.wait.Deadline;
import dev.multiproc.wire.HandleDescriptor;

import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serial;
import java.io.Serializable;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The one {@link Connection} of every transport, over the transport's {@link FrameChannel}:
 * serialization (outside any lock), {@link BufferTooShortException}, the direction of one-way
 * pipes, and who may use an end.
 *
 * <h2>Ownership</h2>
 * An end is open in exactly one process. Its state moves one way:
 * <pre>
 *   UNUSED --first send/recv/poll--&gt; USED --close--&gt; CLOSED
 *     |  \--close------------------------------------&gt; CLOSED
 *     \--taken by another process ({@link EndTransfer})--&gt; MOVED
 * </pre>
 * An end never used here may be serialized and taken by another process; this process then
 * releases its copy, and using the end here throws an error naming the process it moved to.
 * Frames sent to the end before it moved wait for the new owner.
 *
 * <p>Thread-safe: state changes are compare-and-set; the channel serializes sends and receives.
 */
public final class ChannelConnection implements Connection, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
    /** Descriptor attributes every end carries. */
    public static final String ATTR_LABEL = "label";
    /** Whether the end receives. */
    public static final String ATTR_READABLE = "readable";
    /** Whether the end sends. */
    public static final String ATTR_WRITABLE = "writable";
    /** Its frame limit. */
    public static final String ATTR_MAX_FRAME = "maxFrameBytes";

    private static final int UNUSED = 0;
    private static final int USED = 1;
    private static final int MOVED = 2;
    private static final int CLOSED = 3;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(ChannelConnection.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final transient FrameChannel channel;
    private final transient boolean readable;
    private final transient boolean writable;
    private final transient Serializer serializer;
    private final transient EndTransfer transfer;
    private final transient Consumer<ChannelConnection> onGone;
    private final transient Function<Frame, Object> deserialize;
    /** UNUSED, USED, MOVED or CLOSED; changed by compare-and-set only. */
    private transient volatile int state;
    private transient volatile long movedToPid;

    /**
     * @param channel    the transport's channel
     * @param readable   whether this end receives
     * @param writable   whether this end sends
     * @param serializer turns messages into bytes and back
     * @param transfer   how the end moves to another process
     * @param onGone     told once when the end closes or moves away (its creator stops tracking it)
     */
    public ChannelConnection(FrameChannel channel, boolean readable, boolean writable, Serializer serializer,
                             EndTransfer transfer, Consumer<ChannelConnection> onGone) {
        this.channel = Objects.requireNonNull(channel, "channel");
        this.readable = readable;
        this.writable = writable;
        this.serializer = Objects.requireNonNull(serializer, "serializer");
        this.transfer = Objects.requireNonNull(transfer, "transfer");
        this.onGone = Objects.requireNonNull(onGone, "onGone");
        this.deserialize = frame -> {
            byte[] bytes = frame.toArray();
            return serializer.deserialize(bytes, 0, bytes.length);
        };
    }

    /**
     * An end another process handed over, attached here from its descriptor.
     *
     * @param channel    the channel, open in this process
     * @param descriptor what the end wrote ({@link #describe})
     * @param transfer   how it may move on (it can only if unused here)
     * @return the end
     */
    public static ChannelConnection attached(FrameChannel channel, HandleDescriptor descriptor, EndTransfer transfer) {
        Map<String, String> a = descriptor.getAttributesMap();
        return new ChannelConnection(channel, Boolean.parseBoolean(a.get(ATTR_READABLE)),
                Boolean.parseBoolean(a.get(ATTR_WRITABLE)), Serializers.of(descriptor), transfer, end -> {
        });
    }

    /**
     * @param descriptor an end's descriptor
     * @param fallback   the frame limit when it names none
     * @return its frame limit
     */
    public static int maxFrameBytesOf(HandleDescriptor descriptor, int fallback) {
        String v = descriptor.getAttributesMap().get(ATTR_MAX_FRAME);
        return v == null ? fallback : Integer.parseInt(v);
    }

    /** @return the transport's channel */
    public FrameChannel channel() {
        return channel;
    }

    /** @return the end's name in messages */
    public String label() {
        return channel.label();
    }

    @Override
    public void send(Object message) {
        claim(true);
        byte[] bytes = serializer.serialize(message);
        sendFrame(bytes, 0, bytes.length);
    }

    @Override
    public void sendBytes(byte[] data) {
        sendBytes(data, 0, data.length);
    }

    @Override
    public void sendBytes(byte[] data, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, data.length);
        claim(true);
        sendFrame(data, offset, length);
    }

    private void sendFrame(byte[] data, int offset, int length) {
        FrameCodec.checkLength(length, channel.maxFrameBytes());
        try {
            channel.send(data, offset, length);
        } catch (ConnectionClosedException e) {
            throw closedWhileWaiting(e, "send");
        } catch (IllegalStateException e) {
            throw state == USED ? e : unusable(state);
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T recv() {
        return (T) receive(deserialize);
    }

    @Override
    public byte[] recvBytes() {
        return receive(Frame::toArray);
    }

    @Override
    public int recvBytesInto(byte[] buffer, int offset) {
        Objects.checkIndex(offset, buffer.length + 1);
        int room = buffer.length - offset;
        return receive(frame -> {
            int length = frame.length();
            if (length > room) {
                throw new BufferTooShortException(frame.toArray(), room);
            }
            frame.copyTo(buffer, offset);
            return length;
        });
    }

    private <R> R receive(Function<Frame, R> reader) {
        claim(false);
        try {
            return channel.receive(reader);
        } catch (ConnectionClosedException e) {
            throw closedWhileWaiting(e, "receive");
        } catch (IllegalStateException e) {
            throw state == USED ? e : unusable(state);
        }
    }

    @Override
    public boolean poll(Duration timeout) {
        claim(false);
        try {
            return channel.poll(Deadline.after(Objects.requireNonNull(timeout, "timeout")));
        } catch (ConnectionClosedException e) {
            throw closedWhileWaiting(e, "poll");
        } catch (IllegalStateException e) {
            throw state == USED ? e : unusable(state);
        }
    }

    private RuntimeException closedWhileWaiting(ConnectionClosedException e, String what) {
        if (state == CLOSED) {
            return new ConnectionClosedException(label() + " was closed while a " + what + " was waiting on it", e);
        }
        return e;
    }

    @Override
    public boolean isReadable() {
        return readable;
    }

    @Override
    public boolean isWritable() {
        return writable;
    }

    @Override
    public boolean isClosed() {
        int s = state;
        return s == CLOSED || s == MOVED;
    }

    /**
     * Marks this end used by this process, so that it can no longer move to another.
     *
     * @param send whether the caller is about to send
     * @throws IllegalStateException if the direction is wrong, or the end is closed or moved
     */
    private void claim(boolean send) {
        if (send ? !writable : !readable) {
            throw new IllegalStateException(label() + " only " + (send ? "receives" : "sends")
                    + ": a one-way pipe (pipe(false)) receives on its left end and sends on its right end; "
                    + (send ? "send" : "receive") + " on the " + (send ? "right" : "left") + " end");
        }
        int s = state;
        if (s == USED) {
            return;
        }
        if (s == UNUSED) {
            long away = channel.movedTo();
            if (away != 0 && STATE.compareAndSet(this, UNUSED, MOVED)) {
                movedToPid = away;
                completeMove();
                throw unusable(MOVED);
            }
            if (STATE.compareAndSet(this, UNUSED, USED)) {
                return;
            }
        }
        throw unusable(state);
    }

    private IllegalStateException unusable(int s) {
        if (s == MOVED) {
            return new IllegalStateException(label() + " moved to process " + movedToPid
                    + " when that process read it, and is open there only; a Pipe end is open in one process only");
        }
        return new IllegalStateException(label() + " is closed");
    }

    /**
     * Hands this end to another process, if it was never used here. On success the transport
     * passes the end on and then calls {@link #completeMove()}; if that fails, {@link #undoMove()}.
     *
     * @param pid the process taking it
     * @throws IllegalStateException naming why it cannot move
     */
    public void moveTo(long pid) {
        if (STATE.compareAndSet(this, UNUSED, MOVED)) {
            movedToPid = pid;
            return;
        }
        long self = ProcessHandle.current().pid();
        throw new IllegalStateException(switch (state) {
            case USED -> label() + " was already used in process " + self + ", so it cannot move to process " + pid
                    + ": a Pipe end is open in one process only. Pass an end to the process that uses it before "
                    + "using it anywhere";
            case MOVED -> label() + " already moved from process " + self + " to process " + movedToPid
                    + ", so it cannot also move to process " + pid;
            default -> label() + " was closed in process " + self + " before process " + pid + " could take it";
        });
    }

    /**
     * Closes this end if it was never used here nor moved (see {@link EndHandover}).
     *
     * @return whether it was closed by this call
     */
    public boolean closeIfUnused() {
        if (!STATE.compareAndSet(this, UNUSED, CLOSED)) {
            return false;
        }
        try {
            channel.close();
        } finally {
            gone();
        }
        return true;
    }

    /** Reverts {@link #moveTo} when the end could not be passed on. */
    public void undoMove() {
        STATE.compareAndSet(this, MOVED, UNUSED);
    }

    /** The end now lives in the other process: this process lets go of its copy. */
    public void completeMove() {
        channel.release();
        gone();
    }

    @Override
    public void close() {
        int s;
        do {
            s = state;
            if (s == MOVED || s == CLOSED) {
                return;
            }
        } while (!STATE.compareAndSet(this, s, CLOSED));
        try {
            channel.close();
        } finally {
            gone();
        }
    }

    private void gone() {
        onGone.accept(this);
        transfer.forget(this);
    }

    /**
     * @param builder a descriptor being built by the transport
     * @return it, with the end's label, direction, frame limit and serializer
     */
    public HandleDescriptor.Builder describe(HandleDescriptor.Builder builder) {
        builder.putAttributes(ATTR_LABEL, label())
                .putAttributes(ATTR_READABLE, Boolean.toString(readable))
                .putAttributes(ATTR_WRITABLE, Boolean.toString(writable))
                .putAttributes(ATTR_MAX_FRAME, Integer.toString(channel.maxFrameBytes()));
        return Serializers.describe(builder, serializer);
    }

    @Override
    public String toString() {
        return "Connection[" + label() + ", " + switch (state) {
            case UNUSED -> "unused";
            case USED -> "open";
            case MOVED -> "moved to process " + movedToPid;
            default -> "closed";
        } + "]";
    }

    /** @return the handle written in place of this end when it is serialized */
    @Serial
    private Object writeReplace() {
        int s = state;
        if (s == CLOSED || s == MOVED) {
            throw unusable(s);
        }
        SerializedHandle handle = SerializedHandle.of(transfer.export(this, describe(HandleDescriptor.newBuilder())));
        EndHandover.written(this);
        return handle;
    }

    @Serial
    private void readObject(ObjectInputStream in) throws InvalidObjectException {
        throw new InvalidObjectException("a connection end is read back through its SerializedHandle, not directly");
    }
}
