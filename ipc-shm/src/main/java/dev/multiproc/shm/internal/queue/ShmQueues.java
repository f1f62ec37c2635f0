package dev.multiproc.shm.internal.queue;

import dev.multiproc.ResourceNotFoundException;
import dev.multiproc.Serializer;
import dev.multiproc.shm.internal.Handles;
import dev.multiproc.shm.internal.Segment;
import dev.multiproc.shm.internal.SegmentDescriptor;
import dev.multiproc.shm.internal.Segments;
import dev.multiproc.spi.ContextSettings;
import dev.multiproc.spi.Serializers;
import dev.multiproc.spi.process.ProcessLiveness;
import dev.multiproc.spi.queue.QueueHandle;
import dev.multiproc.spi.wait.Deadline;
import dev.multiproc.spi.wait.WaitStrategy;
import dev.multiproc.wire.HandleDescriptor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Makes queues in shared memory and re-attaches them where a handle is read: a handle travels as
 * the queue's file name; every process keeps one {@link ShmByteQueue} per queue, so closing it
 * ends that process's use whichever handle it came through. Thread-safe.
 */
public final class ShmQueues {
    /** The handle kind of a queue. */
    public static final String KIND = "shm.queue";
    private static final String NAME = "name";
    private static final AtomicLong QUEUES = new AtomicLong();
    /** Values moved in {@link #warmUp()}: enough for C1 to compile the put and take paths. */
    private static final int WARM_UP_ROUNDS = 2_000;
    private static final Map<Path, ShmByteQueue> HERE = new ConcurrentHashMap<>();

    private ShmQueues() {
    }

    /**
     * Creates a queue owned by this process, in a new file of {@code directory}.
     *
     * @param directory    the shm directory
     * @param maxsize      slots; zero or negative for {@link SlotQueueDescriptor#DEFAULT_CAPACITY}
     * @param joinable     whether taskDone/join are counted
     * @param maxItemBytes the largest item accepted
     * @param waits        how its waiters spin and yield before they sleep
     * @return the queue
     */
    public static ShmByteQueue create(Path directory, int maxsize, boolean joinable, int maxItemBytes, WaitStrategy waits) {
        if (maxsize > SlotQueueDescriptor.MAX_CAPACITY) {
            throw new IllegalArgumentException("an shm queue holds at most " + SlotQueueDescriptor.MAX_CAPACITY
                    + " items, not maxsize " + maxsize);
        }
        int capacity = maxsize > 0 ? maxsize : SlotQueueDescriptor.DEFAULT_CAPACITY;
        int slotSize = SlotQueueDescriptor.SLOT_SIZE;
        Segment segment = Segments.create(Segments.newPath(directory), SegmentDescriptor.KIND_QUEUE,
                SlotQueueDescriptor.bodyLength(capacity, slotSize), waits);
        try {
            MemorySegment body = segment.body();
            body.set(ValueLayout.JAVA_INT, SlotQueueDescriptor.CAPACITY_OFFSET, capacity);
            body.set(ValueLayout.JAVA_INT, SlotQueueDescriptor.SLOT_SIZE_OFFSET, slotSize);
            body.set(ValueLayout.JAVA_INT, SlotQueueDescriptor.FLAGS_OFFSET, joinable ? SlotQueueDescriptor.JOINABLE : 0);
            body.set(ValueLayout.JAVA_INT, SlotQueueDescriptor.MAX_ITEM_OFFSET, maxItemBytes);
            new SlotRing(body, capacity, slotSize).initialize(); // before the file's name leaves this process
            String name = (joinable ? "joinable shm queue " : "shm queue ") + QUEUES.incrementAndGet() + " of process "
                    + ProcessLiveness.selfPid();
            ShmByteQueue queue = new ShmByteQueue(segment, name);
            HERE.put(segment.path(), queue);
            return queue;
        } catch (RuntimeException e) {
            Segments.close(segment);
            throw e;
        }
    }

    /**
     * A spare JVM's warm-up of shm queues ({@link dev.multiproc.spi.HandleResolver#warmUp()}), so
     * that a child's first {@code put} or {@code take} runs compiled code: makes a small joinable
     * queue in the process's shm directory, attaches its file as a handed-over queue does, moves
     * {@value #WARM_UP_ROUNDS} values through it (objects, and bytes out of line) and closes it as
     * its owner, which removes its files (named with this JVM's pid, so a sweep removes them if
     * this JVM dies on the way).
     *
     * @throws InterruptedException if interrupted
     */
    public static void warmUp() throws InterruptedException {
        ContextSettings settings = ContextSettings.process();
        WaitStrategy waits = settings.waits();
        ShmByteQueue owned = create(settings.shmDirectory(), 64, true, settings.maxFrameBytes(), waits);
        try {
            Segment attached = Segment.attach(owned.segment().path(), SegmentDescriptor.KIND_QUEUE, waits);
            try {
                ShmByteQueue other = new ShmByteQueue(attached, owned.name());
                QueueHandle<Object> values = QueueHandle.of(other, Serializer.standard());
                byte[] large = new byte[SlotQueueDescriptor.SLOT_SIZE * 2];
                for (int i = 0; i < WARM_UP_ROUNDS; i++) {
                    values.put(i);
                    values.take();
                    owned.taskDone();
                    if (i % 100 == 0) {
                        owned.put(large);
                        other.take(Deadline.never());
                        other.taskDone();
                    }
                }
                other.close();
            } finally {
                attached.close();
            }
        } finally {
            closeAsOwner(owned);
        }
    }

    /**
     * Ends a queue this process owns, for every process, and removes its files.
     *
     * @param queue a queue made by {@link #create}
     */
    public static void closeAsOwner(ShmByteQueue queue) {
        try {
            queue.closeAsOwner();
        } finally {
            HERE.remove(queue.segment().path(), queue);
            Segments.close(queue.segment());
        }
    }

    /** @return what a handle of the queue writes, before its serializer is added */
    static HandleDescriptor.Builder describe(ShmByteQueue queue) {
        return Handles.describe(HandleDescriptor.newBuilder(), KIND, queue.segment()).putAttributes(NAME, queue.name());
    }

    /**
     * @param descriptor what a queue handle wrote
     * @return the queue's handle in this process
     */
    public static QueueHandle<?> resolve(HandleDescriptor descriptor) {
        Path path = Path.of(Handles.required(descriptor, Handles.PATH));
        String name = Handles.required(descriptor, NAME);
        WaitStrategy waits = Handles.waitsOf(descriptor);
        ShmByteQueue queue = HERE.computeIfAbsent(path, p -> attach(p, name, waits));
        return QueueHandle.of(queue, Serializers.of(descriptor));
    }

    private static ShmByteQueue attach(Path path, String name, WaitStrategy waits) {
        try {
            return new ShmByteQueue(Segments.resolve(path, SegmentDescriptor.KIND_QUEUE, waits), name);
        } catch (ResourceNotFoundException e) {
            throw new dev.multiproc.QueueClosedException(name + " is gone: its file " + path
                    + " was removed, because its owner closed its context or exited", e);
        }
    }}
