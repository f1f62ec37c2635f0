package dev.multiproc.shm.internal.ring;

import dev.multiproc.IpcException;
import dev.multiproc.Serializer;
import dev.multiproc.shm.internal.Handles;
import dev.multiproc.shm.internal.Segment;
import dev.multiproc.shm.internal.SegmentDescriptor;
import dev.multiproc.shm.internal.Segments;
import dev.multiproc.spi.ContextSettings;
import dev.multiproc.spi.channel.ChannelConnection;
import dev.multiproc.spi.channel.EndTransfer;
import dev.multiproc.spi.process.ProcessLiveness;
import dev.multiproc.spi.wait.WaitStrategy;
import dev.multiproc.wire.HandleDescriptor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Makes shared-memory pipes, and re-attaches their ends in the process that reads one: an end
 * travels as the file's name and its side; the reader maps the file and takes the end over
 * ({@link EndWord#take()}), so exactly one process holds it. The creator notices that an end
 * left when it next looks ({@link ShmPipeChannel#movedTo()}). Thread-safe.
 */
public final class ShmPipes implements EndTransfer {
    /** The handle kind of a pipe end. */
    public static final String KIND = "shm.pipeEnd";
    /** Data area of each ring. */
    public static final int RING_CAPACITY = 256 * 1024;
    private static final String SIDE = "side";
    private static final String NAME = "pipe";
    private static final AtomicLong PIPES = new AtomicLong();
    private static final ShmPipes TRANSFER = new ShmPipes();
    /**
     * The ends open in this process, by file and side, until they close or move away: an end
     * read here again (sent back to its creator, or read twice) is the same object, never a second
     * reader or writer of the same single-producer, single-consumer ring.
     */
    private static final Map<String, ChannelConnection> HERE = new ConcurrentHashMap<>();
    /** Messages each way in {@link #warmUp()}: enough for C1 to compile the rings' send and receive paths. */
    private static final int WARM_UP_ROUNDS = 2_000;

    private ShmPipes() {
    }

    /**
     * Creates both ends of a new pipe in a new file of {@code directory}.
     *
     * @param directory     the shm directory
     * @param duplex        false: the left end only receives, the right end only sends
     * @param maxFrameBytes the frame limit of both ends
     * @param serializer    for {@code send}/{@code recv}
     * @param waits         how its waiters spin and yield before they sleep
     * @param onGone        told with each end when it closes or moves away
     * @return {left, right}
     */
    public static ChannelConnection[] pair(Path directory, boolean duplex, int maxFrameBytes, Serializer serializer,
                                           WaitStrategy waits, Consumer<ChannelConnection> onGone) {
        int toRight = duplex ? RING_CAPACITY : 0;
        Segment segment = Segments.create(Segments.newPath(directory), SegmentDescriptor.KIND_PIPE,
                PipeDescriptor.bodyLength(RING_CAPACITY, toRight), waits);
        MemorySegment body = segment.body();
        body.set(ValueLayout.JAVA_INT, PipeDescriptor.TO_LEFT_CAPACITY_OFFSET, RING_CAPACITY);
        body.set(ValueLayout.JAVA_INT, PipeDescriptor.TO_RIGHT_CAPACITY_OFFSET, toRight);
        String name = "shm pipe " + PIPES.incrementAndGet() + (duplex ? "" : " (one-way)");
        EndWord[] words = endWords(body, name);
        words[0].initialize();
        words[1].initialize();
        PipeFile file = new PipeFile(segment, 2);
        ChannelConnection[] ends = {
                new ChannelConnection(channel(file, true, name, maxFrameBytes, words), true, duplex, serializer, TRANSFER, onGone),
                new ChannelConnection(channel(file, false, name, maxFrameBytes, words), duplex, true, serializer, TRANSFER, onGone)};
        HERE.put(key(segment.path(), true), ends[0]);
        HERE.put(key(segment.path(), false), ends[1]);
        return ends;
    }

    /**
     * A spare JVM's warm-up of shm pipes ({@link dev.multiproc.spi.HandleResolver#warmUp()}): the
     * first use of the foreign-memory API in a JVM links its memory accesses and file mappings,
     * which cost a pool worker 7 to 11 ms to attach the pipe end it was handed (measured in a
     * spare that had linked only its futex calls). This makes a pipe in the process's shm
     * directory, attaches its file as a handed-over end does, sends {@value #WARM_UP_ROUNDS}
     * messages each way and closes both ends, which removes the file (named with this JVM's pid,
     * so a sweep removes it if this JVM dies on the way).
     */
    public static void warmUp() {
        ContextSettings settings = ContextSettings.process();
        WaitStrategy waits = settings.waits();
        ChannelConnection[] ends = pair(settings.shmDirectory(), true, settings.maxFrameBytes(), Serializer.standard(),
                waits, end -> { });
        try (ChannelConnection left = ends[0]; ChannelConnection right = ends[1]) {
            Path file = ((ShmPipeChannel) left.channel()).file().segment().path();
            Segment.attach(file, SegmentDescriptor.KIND_PIPE, waits).close();
            byte[] message = new byte[64];
            for (int i = 0; i < WARM_UP_ROUNDS; i++) {
                right.sendBytes(message);
                left.recvBytes();
                left.send(i);
                right.recv();
            }
        }
    }

    /** @return the state words of the pipe's {left, right} ends */
    private static EndWord[] endWords(MemorySegment body, String name) {
        return new EndWord[]{new EndWord(body, PipeDescriptor.LEFT_END_OFFSET, "left end of " + name),
                new EndWord(body, PipeDescriptor.RIGHT_END_OFFSET, "right end of " + name)};
    }

    private static ShmPipeChannel channel(PipeFile file, boolean leftEnd, String name, int maxFrameBytes, EndWord[] words) {
        MemorySegment body = file.segment().body();
        WaitStrategy waits = file.segment().waits();
        int toLeft = body.get(ValueLayout.JAVA_INT, PipeDescriptor.TO_LEFT_CAPACITY_OFFSET);
        int toRight = body.get(ValueLayout.JAVA_INT, PipeDescriptor.TO_RIGHT_CAPACITY_OFFSET);
        RingDescriptor.checkCapacity(toLeft);
        if (toRight != 0) {
            RingDescriptor.checkCapacity(toRight);
        }
        if (PipeDescriptor.bodyLength(toLeft, toRight) > body.byteSize()) {
            throw new IpcException("cannot attach " + file.segment().path() + ": rings of " + toLeft + " and " + toRight
                    + " bytes do not fit its " + body.byteSize() + "-byte body");
        }
        long toLeftRing = PipeDescriptor.TO_LEFT_RING_OFFSET;
        long toRightRing = PipeDescriptor.toRightRingOffset(toLeft);
        String label = (leftEnd ? "left end of " : "right end of ") + name;
        RingReader reader;
        RingWriter writer;
        if (leftEnd) {
            reader = new RingReader(body, toLeftRing, toLeft, waits, label);
            writer = toRight == 0 ? null : new RingWriter(body, toRightRing, toRight, waits);
        } else {
            reader = toRight == 0 ? null : new RingReader(body, toRightRing, toRight, waits, label);
            writer = new RingWriter(body, toLeftRing, toLeft, waits);
        }
        return new ShmPipeChannel(file, leftEnd, reader, writer, words[0], words[1], name, label, maxFrameBytes);
    }

    @Override
    public HandleDescriptor export(ChannelConnection end, HandleDescriptor.Builder builder) {
        ShmPipeChannel channel = (ShmPipeChannel) end.channel();
        Segment segment = channel.file().segment();
        return Handles.describe(builder, KIND, segment)
                .putAttributes(SIDE, channel.isLeftEnd() ? "left" : "right")
                .putAttributes(NAME, channel.pipeName())
                .build();
    }

    @Override
    public void forget(ChannelConnection end) {
        // nothing is offered: the file's name is the offer, and the end's word says who holds it
        ShmPipeChannel channel = (ShmPipeChannel) end.channel();
        HERE.remove(key(channel.file().segment().path(), channel.isLeftEnd()), end);
    }

    private static String key(Path file, boolean leftEnd) {
        return file.toAbsolutePath() + (leftEnd ? "#left" : "#right");
    }

    /**
     * Attaches an end in this process and takes it over; an end already open in this process
     * (read before, or made here) is returned as it is.
     *
     * @param descriptor what the end wrote
     * @return the end
     * @throws IllegalStateException if the end is used, closed or being taken elsewhere
     */
    public static ChannelConnection resolve(HandleDescriptor descriptor) {
        Path path = Path.of(Handles.required(descriptor, Handles.PATH));
        boolean leftEnd = "left".equals(Handles.required(descriptor, SIDE));
        // one resolve of an end at a time in this process: two threads reading it at once get the same end
        return HERE.compute(key(path, leftEnd), (k, open) -> open != null && !open.isClosed() ? open
                : attach(descriptor, path, leftEnd));
    }

    private static ChannelConnection attach(HandleDescriptor descriptor, Path path, boolean leftEnd) {
        Map<String, String> a = descriptor.getAttributesMap();
        WaitStrategy waits = Handles.waitsOf(descriptor);
        String name = a.getOrDefault(NAME, "shm pipe");
        String label = a.getOrDefault(ChannelConnection.ATTR_LABEL, (leftEnd ? "left" : "right") + " end of " + name);
        Segment segment;
        try {
            segment = Segments.attachPrivately(path, SegmentDescriptor.KIND_PIPE, waits);
        } catch (dev.multiproc.ResourceNotFoundException e) {
            throw new IllegalStateException(label + " cannot be taken by process " + ProcessLiveness.selfPid()
                    + ": its pipe's file " + path + " is gone. Either both ends were already used or closed (an end used in "
                    + "one process cannot move to another), or the process that made the pipe closed it or exited", e);
        }
        PipeFile file = new PipeFile(segment, 1);
        try {
            EndWord[] words = endWords(segment.body(), name);
            ShmPipeChannel channel = channel(file, leftEnd, name, ChannelConnection.maxFrameBytesOf(descriptor, Integer.MAX_VALUE - 8),
                    words);
            words[leftEnd ? 0 : 1].take();
            return ChannelConnection.attached(channel, descriptor, TRANSFER);
        } catch (RuntimeException e) {
            file.release();
            throw e;
        }
    }

    /**
     * Lets go of a creator's end that another process took: it moves there for good.
     *
     * @param end an end of this process
     * @return whether it had moved (and is now released here)
     */
    public static boolean releaseIfMoved(ChannelConnection end) {
        long pid = ((ShmPipeChannel) end.channel()).movedTo();
        if (pid == 0) {
            return false;
        }
        try {
            end.moveTo(pid);
        } catch (IllegalStateException e) {
            return false; // used or closed here meanwhile: it stays, and says it moved when used
        }
        end.completeMove();
        return true;
    }
}
