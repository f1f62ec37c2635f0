package dev.multiproc.shm.internal;

import dev.multiproc.spi.ContextSettings;
import dev.multiproc.spi.log.Log;
import dev.multiproc.spi.process.ExitHooks;
import dev.multiproc.spi.process.OwnedFiles;
import dev.multiproc.spi.wait.WaitStrategy;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The segments of this JVM: those it created (owned, unlinked at JVM exit if still there) and
 * those it attached to in order to resolve handles (mapped once per file, unmapped at JVM exit).
 * The exit work runs in the {@link ExitHooks.Phase#SEGMENTS} step of the JVM's exit, registered on
 * first use: after children waited for at exit are gone. Thread-safe.
 */
public final class Segments {
    /** Kind of the segments Multiproc names itself, in {@link OwnedFiles} names ({@code multiproc-shm-<pid>-<start>-...}). */
    public static final String KIND = "shm";
    /** Prefix of the names of segments Multiproc names itself. */
    public static final String GENERATED_PREFIX = ContextSettings.FILE_PREFIX + KIND + "-";
    private static final Log LOG = Log.of(Segments.class);
    private static final Map<Path, Segment> OWNED = new ConcurrentHashMap<>();
    private static final Map<Path, Segment> ATTACHED = new ConcurrentHashMap<>();
    private static final AtomicBoolean HOOK = new AtomicBoolean();

    private Segments() {
    }

    /**
     * @param directory the shm directory
     * @return a fresh, unique path for a segment of this process
     */
    public static Path newPath(Path directory) {
        return directory.resolve(OwnedFiles.newName(KIND, ""));
    }

    /**
     * Creates a segment owned by this process, to be unlinked at JVM exit unless closed before.
     *
     * @param path     the file
     * @param kind     body kind
     * @param bodySize body size
     * @param waits    how the primitives in it wait
     * @return the segment
     */
    public static Segment create(Path path, int kind, long bodySize, WaitStrategy waits) {
        installHook();
        Segment s = Segment.create(path, kind, bodySize, waits);
        OWNED.put(s.path(), s);
        return s;
    }

    /**
     * Closes a segment this JVM created or attached (unlinking it if owned) and forgets it.
     *
     * @param segment the segment
     */
    public static void close(Segment segment) {
        OWNED.remove(segment.path(), segment);
        ATTACHED.remove(segment.path(), segment);
        segment.close();
    }

    /**
     * Forgets an owned segment whose name was unlinked (it stays mapped until closed).
     *
     * @param segment the segment
     */
    static void forgetOwned(Segment segment) {
        OWNED.remove(segment.path(), segment);
    }

    /**
     * The mapping through which a handle read in this process reaches a segment: the creator's own
     * mapping if this process created it, else one shared attached mapping per file (never an owner).
     *
     * @param path the file
     * @param kind  the body kind expected
     * @param waits how the primitives in it wait, if this process maps it first
     * @return the mapping
     */
    public static Segment resolve(Path path, int kind, WaitStrategy waits) {
        Segment own = OWNED.get(path);
        if (own != null && !own.isClosed()) {
            if (own.kind() != kind) {
                throw new dev.multiproc.IpcException("cannot attach " + path + " as a " + SegmentDescriptor.kindName(kind)
                        + ": it holds a " + SegmentDescriptor.kindName(own.kind()));
            }
            return own;
        }
        installHook();
        Segment s = ATTACHED.compute(path, (p, old) -> old != null && !old.isClosed() ? old : Segment.attach(p, kind, waits));
        if (s.kind() != kind) {
            throw new dev.multiproc.IpcException("cannot attach " + path + " as a " + SegmentDescriptor.kindName(kind)
                    + ": it holds a " + SegmentDescriptor.kindName(s.kind()));
        }
        return s;
    }

    /**
     * Attaches a fresh mapping that the caller closes itself (shared memory blocks).
     *
     * @param path the file
     * @param kind  the body kind expected
     * @param waits how the primitives in it wait
     * @return the mapping, not cached
     */
    public static Segment attachPrivately(Path path, int kind, WaitStrategy waits) {
        installHook();
        return Segment.attach(path, kind, waits);
    }

    /** @return how many segments this JVM owns now */
    public static int ownedCount() {
        return OWNED.size();
    }

    private static void installHook() {
        if (HOOK.compareAndSet(false, true)) {
            ExitHooks.register(ExitHooks.Phase.SEGMENTS, Segments::closeAll);
        }
    }

    private static void closeAll() {
        for (Segment s : OWNED.values()) {
            try {
                s.close();
            } catch (RuntimeException e) {
                LOG.warn("cannot remove shared-memory segment {} at exit: {}", s.path(), e.toString());
            }
        }
        for (Segment s : ATTACHED.values()) {
            try {
                s.close();
            } catch (RuntimeException e) {
                LOG.debug("cannot unmap {} at exit: {}", s.path(), e.toString());
            }
        }
    }
}
