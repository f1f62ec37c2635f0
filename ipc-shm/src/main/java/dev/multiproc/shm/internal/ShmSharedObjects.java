package dev.multiproc.shm.internal;

import dev.multiproc.DurableQueue;
import dev.multiproc.IpcBarrier;
import dev.multiproc.IpcEvent;
import dev.multiproc.IpcLock;
import dev.multiproc.IpcSemaphore;
import dev.multiproc.SharedDouble;
import dev.multiproc.SharedDoubleArray;
import dev.multiproc.SharedInt;
import dev.multiproc.SharedIntArray;
import dev.multiproc.SharedLong;
import dev.multiproc.SharedLongArray;
import dev.multiproc.SharedMemory;
import dev.multiproc.spi.Cleanup;
import dev.multiproc.spi.ContextSettings;
import dev.multiproc.spi.SharedObjects;
import dev.multiproc.spi.wait.WaitStrategy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The shared objects of one context. Each object lives in its own small segment file (one page for
 * a value, a lock, a semaphore, an event or a barrier): its lifetime is then exactly the file's,
 * unlinking needs no cross-process allocator, and a crash leaves whole files that the sweep
 * removes. The cost is one file and one mapping per object (Linux allows 65530 mappings per
 * process by default). Closing the factory (with its context) closes every segment it created:
 * unmapped here and unlinked. Thread-safe.
 */
public final class ShmSharedObjects implements SharedObjects {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,200}");
    /** The initial elements of an array of zeros: none to write, a new file reads as zeros. */
    private static final java.util.function.Consumer<MemorySegment> ZEROS = body -> { };

    private final Path directory;
    private final WaitStrategy waits;
    private final Queue<AutoCloseable> created = new ConcurrentLinkedDeque<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    /** @param directory the shm directory, with the wait strategy of this process */
    public ShmSharedObjects(Path directory) {
        this(directory, ContextSettings.process().waits());
    }

    /**
     * @param directory the shm directory of the context
     * @param waits     how the context's primitives wait
     */
    public ShmSharedObjects(Path directory, WaitStrategy waits) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.waits = Objects.requireNonNull(waits, "waits");
    }

    private Segment create(int kind, long bodySize) {
        return create(Segments.newPath(directory), kind, bodySize);
    }

    private Segment create(Path path, int kind, long bodySize) {
        checkOpen();
        Segment s = Segments.create(path, kind, bodySize, waits);
        created.add(() -> Segments.close(s));
        if (closed.get()) { // closed while creating: undo
            Segments.close(s);
            checkOpen();
        }
        return s;
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("the shared objects of this context are closed");
        }
    }

    private <T> T value(int kind, int length, int elementSize, Function<Segment, T> handle,
                        java.util.function.Consumer<MemorySegment> fill) {
        Segment s = create(kind, ValueDescriptor.bodySize(length, elementSize));
        MemorySegment body = s.body();
        ValueDescriptor.LENGTH.set(body, (long) ValueDescriptor.LENGTH_OFFSET, length);
        fill.accept(body);
        java.lang.invoke.VarHandle.releaseFence(); // publish the initial values before the handle can be shared
        return handle.apply(s);
    }

    @Override
    public SharedInt sharedInt(int initial) {
        return value(SegmentDescriptor.KIND_INT, 1, Integer.BYTES, ShmInt::new,
                b -> b.set(ValueLayout.JAVA_INT, ValueDescriptor.ELEMENTS_OFFSET, initial));
    }

    @Override
    public SharedLong sharedLong(long initial) {
        return value(SegmentDescriptor.KIND_LONG, 1, Long.BYTES, ShmLong::new,
                b -> b.set(ValueLayout.JAVA_LONG, ValueDescriptor.ELEMENTS_OFFSET, initial));
    }

    @Override
    public SharedDouble sharedDouble(double initial) {
        return value(SegmentDescriptor.KIND_DOUBLE, 1, Double.BYTES, ShmDouble::new,
                b -> b.set(ValueLayout.JAVA_DOUBLE, ValueDescriptor.ELEMENTS_OFFSET, initial));
    }

    @Override
    public SharedIntArray sharedIntArray(int length) {
        return value(SegmentDescriptor.KIND_INT_ARRAY, length, Integer.BYTES, ShmIntArray::new, ZEROS);
    }

    @Override
    public SharedLongArray sharedLongArray(int length) {
        return value(SegmentDescriptor.KIND_LONG_ARRAY, length, Long.BYTES, ShmLongArray::new, ZEROS);
    }

    @Override
    public SharedDoubleArray sharedDoubleArray(int length) {
        return value(SegmentDescriptor.KIND_DOUBLE_ARRAY, length, Double.BYTES, ShmDoubleArray::new, ZEROS);
    }

    @Override
    public SharedIntArray sharedIntArray(int[] values) {
        return value(SegmentDescriptor.KIND_INT_ARRAY, values.length, Integer.BYTES, ShmIntArray::new,
                b -> MemorySegment.copy(values, 0, b, ValueLayout.JAVA_INT, ValueDescriptor.ELEMENTS_OFFSET, values.length));
    }

    @Override
    public SharedLongArray sharedLongArray(long[] values) {
        return value(SegmentDescriptor.KIND_LONG_ARRAY, values.length, Long.BYTES, ShmLongArray::new,
                b -> MemorySegment.copy(values, 0, b, ValueLayout.JAVA_LONG, ValueDescriptor.ELEMENTS_OFFSET, values.length));
    }

    @Override
    public SharedDoubleArray sharedDoubleArray(double[] values) {
        return value(SegmentDescriptor.KIND_DOUBLE_ARRAY, values.length, Double.BYTES, ShmDoubleArray::new,
                b -> MemorySegment.copy(values, 0, b, ValueLayout.JAVA_DOUBLE, ValueDescriptor.ELEMENTS_OFFSET, values.length));
    }

    @Override
    public SharedMemory sharedMemory(long size) {
        return new ShmMemory(create(SegmentDescriptor.KIND_MEMORY, size));
    }

    @Override
    public SharedMemory sharedMemory(String name, long size) {
        return new ShmMemory(create(pathOf(name), SegmentDescriptor.KIND_MEMORY, size));
    }

    @Override
    public SharedMemory attachSharedMemory(String name) {
        checkOpen();
        Segment s = Segments.attachPrivately(pathOf(name), SegmentDescriptor.KIND_MEMORY, waits);
        created.add(() -> Segments.close(s));
        return new ShmMemory(s);
    }

    /**
     * @param name a block name, with or without the {@code multiproc-} prefix
     * @return its file in the shm directory
     */
    private Path pathOf(String name) {
        String file = name.startsWith(ContextSettings.FILE_PREFIX) ? name : ContextSettings.FILE_PREFIX + name;
        if (!NAME.matcher(file).matches()) {
            throw new IllegalArgumentException("shared memory name '" + name
                    + "' must be 1 to 200 letters, digits, '.', '_' or '-'");
        }
        return directory.resolve(file);
    }

    @Override
    public IpcLock lock() {
        return new ShmLock(create(SegmentDescriptor.KIND_LOCK, LockDescriptor.LENGTH), 0, false);
    }

    @Override
    public IpcLock rlock() {
        return new ShmLock(create(SegmentDescriptor.KIND_LOCK, LockDescriptor.LENGTH), 0, true);
    }

    @Override
    public IpcSemaphore semaphore(int permits, boolean bounded) {
        if (permits < 0) {
            throw new IllegalArgumentException("semaphore permits must not be negative, was " + permits);
        }
        Segment s = create(SegmentDescriptor.KIND_SEMAPHORE, SemaphoreDescriptor.LENGTH);
        ShmSemaphore.init(s, permits, bounded);
        return new ShmSemaphore(s);
    }

    @Override
    public IpcEvent event() {
        return new ShmEvent(create(SegmentDescriptor.KIND_EVENT, EventDescriptor.LENGTH));
    }

    @Override
    public IpcBarrier barrier(int parties) {
        if (parties < 1) {
            throw new IllegalArgumentException("barrier parties must be at least 1, was " + parties);
        }
        Segment s = create(SegmentDescriptor.KIND_BARRIER, BarrierDescriptor.LENGTH);
        ShmBarrier.init(s, parties);
        return new ShmBarrier(s);
    }

    @Override
    public <E> DurableQueue<E> durableQueue(Path directory) {
        throw new UnsupportedOperationException("durableQueue(" + directory + ") is not available yet: the"
                + " Chronicle Queue journal of ipc-shm is a later issue; use queue() or joinableQueue() meanwhile");
    }

    /** Closes every segment this factory created or attached: unmapped here, unlinked if created. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Cleanup cleanup = new Cleanup();
        AutoCloseable next;
        while ((next = created.poll()) != null) {
            cleanup.close(next);
        }
        cleanup.rethrow();
    }

    @Override
    public String toString() {
        return "ShmSharedObjects[" + directory + (closed.get() ? ", closed]" : "]");
    }
}
