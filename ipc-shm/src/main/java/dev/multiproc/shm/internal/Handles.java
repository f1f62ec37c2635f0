package dev.multiproc.shm.internal;

import dev.multiproc.shm.internal.queue.ShmQueues;
import dev.multiproc.shm.internal.ring.ShmPipes;
import dev.multiproc.spi.process.ProcessLiveness;
import dev.multiproc.IpcException;
import dev.multiproc.spi.ContextSettings;
import dev.multiproc.spi.SerializedHandle;
import dev.multiproc.spi.wait.WaitStrategy;
import dev.multiproc.wire.HandleDescriptor;

import java.nio.file.Path;

/**
 * The handle descriptors of provider {@code "shm"}: what each handle writes in place of itself,
 * and how the reading process re-attaches it. Attributes: {@code path} (the segment file, absolute),
 * {@code segmentKind} (its {@code SegmentDescriptor.KIND_*}), and, for locks and conditions,
 * {@code offset} (of the lock block in the body), {@code slot} and {@code reentrant}. Re-attaching
 * goes through {@link Segments#resolve}: it never makes the reader an owner.
 */
public final class Handles {
    /** Provider name in descriptors. */
    public static final String PROVIDER = "shm";
    static final String KIND_INT = "shm.int";
    static final String KIND_LONG = "shm.long";
    static final String KIND_DOUBLE = "shm.double";
    static final String KIND_INT_ARRAY = "shm.intArray";
    static final String KIND_LONG_ARRAY = "shm.longArray";
    static final String KIND_DOUBLE_ARRAY = "shm.doubleArray";
    static final String KIND_MEMORY = "shm.memory";
    static final String KIND_LOCK = "shm.lock";
    static final String KIND_RLOCK = "shm.rlock";
    static final String KIND_CONDITION = "shm.condition";
    static final String KIND_SEMAPHORE = "shm.semaphore";
    static final String KIND_EVENT = "shm.event";
    static final String KIND_BARRIER = "shm.barrier";
    /** The segment file's absolute path. */
    public static final String PATH = "path";
    static final String SEGMENT_KIND = "segmentKind";
    static final String OFFSET = "offset";
    static final String SLOT = "slot";
    static final String REENTRANT = "reentrant";
    /** How the waiters of the handle's context spin and yield before they sleep. */
    static final String SPIN_NANOS = "spinNanos";
    static final String YIELD_NANOS = "yieldNanos";

    private Handles() {
    }

    /**
     * @param kind    the handle kind
     * @param segment its segment
     * @param extra   a builder with extra attributes, or null
     * @return what {@code writeReplace} returns
     */
    static SerializedHandle serialized(String kind, Segment segment, HandleDescriptor.Builder extra) {
        return SerializedHandle.of(describe(extra != null ? extra : HandleDescriptor.newBuilder(), kind, segment).build());
    }

    /**
     * Writes what every shm handle carries: provider, kind, creator, the segment's file and kind,
     * and how its waiters spin and yield.
     *
     * @param b       the builder, perhaps with attributes of the handle's own
     * @param kind    the handle kind
     * @param segment its segment
     * @return {@code b}
     */
    public static HandleDescriptor.Builder describe(HandleDescriptor.Builder b, String kind, Segment segment) {
        return b.setProvider(PROVIDER).setKind(kind)
                .setCreatorPid(ProcessLiveness.selfPid())
                .putAttributes(PATH, segment.path().toAbsolutePath().toString())
                .putAttributes(SEGMENT_KIND, Integer.toString(segment.kind()))
                .putAttributes(SPIN_NANOS, Long.toString(segment.waits().spinNanos()))
                .putAttributes(YIELD_NANOS, Long.toString(segment.waits().yieldNanos()));
    }

    /**
     * Links the futex calls and runs one (see {@link dev.multiproc.spi.HandleResolver#warmUp()}):
     * a wake on a word of its own, which nobody waits on; then runs a pipe and a queue of its own
     * ({@link ShmPipes#warmUp()}, {@link ShmQueues#warmUp()}).
     */
    public static void warmUp() {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment word = arena.allocate(java.lang.foreign.ValueLayout.JAVA_INT);
            for (int i = 0; i < 200; i++) {
                Futex.wake(word.address(), 1);
            }
        }
        ShmPipes.warmUp();
        try {
            ShmQueues.warmUp();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // a colder start, and the interrupt kept for the caller
        }
    }

    /**
     * @param d a descriptor of provider "shm"
     * @return the handle, attached in this process
     */
    public static Object resolve(HandleDescriptor d) {
        if (ShmPipes.KIND.equals(d.getKind())) {
            return ShmPipes.resolve(d);
        }
        if (ShmQueues.KIND.equals(d.getKind())) {
            return ShmQueues.resolve(d);
        }
        Path path = Path.of(required(d, PATH));
        int segmentKind = Integer.parseInt(required(d, SEGMENT_KIND));
        WaitStrategy waits = waitsOf(d);
        return switch (d.getKind()) {
            case KIND_INT -> new ShmInt(Segments.resolve(path, segmentKind, waits));
            case KIND_LONG -> new ShmLong(Segments.resolve(path, segmentKind, waits));
            case KIND_DOUBLE -> new ShmDouble(Segments.resolve(path, segmentKind, waits));
            case KIND_INT_ARRAY -> new ShmIntArray(Segments.resolve(path, segmentKind, waits));
            case KIND_LONG_ARRAY -> new ShmLongArray(Segments.resolve(path, segmentKind, waits));
            case KIND_DOUBLE_ARRAY -> new ShmDoubleArray(Segments.resolve(path, segmentKind, waits));
            case KIND_MEMORY -> new ShmMemory(Segments.attachPrivately(path, segmentKind, waits));
            case KIND_LOCK, KIND_RLOCK -> new ShmLock(Segments.resolve(path, segmentKind, waits),
                    Long.parseLong(required(d, OFFSET)), d.getKind().equals(KIND_RLOCK));
            case KIND_CONDITION -> new ShmCondition(new ShmLock(Segments.resolve(path, segmentKind, waits),
                    Long.parseLong(required(d, OFFSET)), Boolean.parseBoolean(required(d, REENTRANT))),
                    Integer.parseInt(required(d, SLOT)));
            case KIND_SEMAPHORE -> new ShmSemaphore(Segments.resolve(path, segmentKind, waits));
            case KIND_EVENT -> new ShmEvent(Segments.resolve(path, segmentKind, waits));
            case KIND_BARRIER -> new ShmBarrier(Segments.resolve(path, segmentKind, waits));
            default -> throw new IpcException("unknown shm handle kind '" + d.getKind() + "' for " + path
                    + "; is every process on the same Multiproc release?");
        };
    }

    /**
     * @param d a descriptor of provider "shm"
     * @return the wait strategy the handle carries, or this process's if it carries none
     */
    public static WaitStrategy waitsOf(HandleDescriptor d) {
        String spin = d.getAttributesMap().get(SPIN_NANOS);
        String yield = d.getAttributesMap().get(YIELD_NANOS);
        if (spin == null || yield == null) {
            return ContextSettings.process().waits();
        }
        return new WaitStrategy(Long.parseLong(spin), Long.parseLong(yield));
    }

    /**
     * @param d   a descriptor of provider "shm"
     * @param key an attribute it must have
     * @return the attribute
     * @throws IpcException naming the handle kind and the attribute if it lacks it
     */
    public static String required(HandleDescriptor d, String key) {
        String v = d.getAttributesMap().get(key);
        if (v == null) {
            throw new IpcException("shm handle of kind '" + d.getKind() + "' lacks attribute '" + key + "'");
        }
        return v;
    }
}
