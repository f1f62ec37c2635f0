package dev.multiproc.shm.internal;

import dev.multiproc.IpcException;
import dev.multiproc.ResourceExistsException;
import dev.multiproc.ResourceNotFoundException;
import dev.multiproc.spi.Cleanup;
import dev.multiproc.spi.ContextSettings;
import dev.multiproc.spi.process.ProcessLiveness;
import dev.multiproc.spi.wait.WaitStrategy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One memory-mapped file: a {@link SegmentDescriptor header} and a body. The process that creates
 * it owns it and unlinks the file when it closes it; a process that attaches only maps it, and
 * closing unmaps it there. The mapping lives in a shared {@link Arena}, so closing unmaps at once
 * (threads still touching it then get {@link IllegalStateException}). Thread-safe.
 */
public final class Segment implements AutoCloseable {
    private static final Set<PosixFilePermission> OWNER_READ_WRITE = PosixFilePermissions.fromString("rw-------");
    /** Mapping granularity: files are rounded up to whole pages. */
    static final long PAGE = 4096;

    private final Path path;
    private final Arena arena;
    private final MemorySegment memory;
    private final MemorySegment body;
    private final int kind;
    private final boolean owner;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean unlinked = new AtomicBoolean();
    private final WaitStrategy waits;

    private Segment(Path path, Arena arena, MemorySegment memory, int kind, long bodySize, boolean owner,
                    WaitStrategy waits) {
        this.waits = waits;
        this.path = path;
        this.arena = arena;
        this.memory = memory;
        this.body = memory.asSlice(SegmentDescriptor.BODY_OFFSET, bodySize);
        this.kind = kind;
        this.owner = owner;
    }

    /**
     * Creates and maps a new file, zero-filled, with its header written; this process owns it.
     *
     * @param path     where (a {@code multiproc-*} name in the shm directory)
     * @param kind     the body kind ({@code SegmentDescriptor.KIND_*})
     * @param bodySize the body size in bytes
     * @return the segment
     * @throws ResourceExistsException if the file exists
     */
    public static Segment create(Path path, int kind, long bodySize) {
        return create(path, kind, bodySize, ContextSettings.process().waits());
    }

    /** Creates the file readable and writable by its owner only, as Python's {@code SharedMemory} does. */
    private static FileChannel openNew(Path path) throws IOException {
        Set<StandardOpenOption> options = EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            return FileChannel.open(path, options, PosixFilePermissions.asFileAttribute(OWNER_READ_WRITE));
        } catch (UnsupportedOperationException e) {
            return FileChannel.open(path, options); // not a POSIX file system
        }
    }

    /**
     * As {@link #create(Path, int, long)}, for a context whose waiters wait as {@code waits} says.
     *
     * @param path     where (a {@code multiproc-*} name in the shm directory)
     * @param kind     the body kind ({@code SegmentDescriptor.KIND_*})
     * @param bodySize the body size in bytes
     * @param waits    how the primitives in it wait
     * @return the segment
     */
    public static Segment create(Path path, int kind, long bodySize, WaitStrategy waits) {
        if (bodySize < 0) {
            throw new IllegalArgumentException("segment body size must not be negative, was " + bodySize);
        }
        long fileSize = roundToPage(SegmentDescriptor.HEADER_LENGTH + bodySize);
        Arena arena = Arena.ofShared();
        boolean created = false;
        try (FileChannel ch = openNew(path)) {
            created = true;
            MemorySegment memory = ch.map(FileChannel.MapMode.READ_WRITE, 0, fileSize, arena); // grows the file
            SegmentDescriptor.write(memory, kind, ProcessLiveness.selfPid(), ProcessLiveness.selfStart(), bodySize);
            return new Segment(path, arena, memory, kind, bodySize, true, waits);
        } catch (FileAlreadyExistsException e) {
            arena.close();
            throw new ResourceExistsException("shared-memory segment " + path + " already exists", e);
        } catch (IOException | RuntimeException e) {
            arena.close();
            if (created) {
                deleteQuietly(path);
            }
            throw new IpcException("cannot create shared-memory segment " + path + " of " + fileSize + " bytes: " + e, e);
        }
    }

    /**
     * Maps an existing segment; this process does not own it.
     *
     * @param path         the file
     * @param expectedKind the body kind the caller needs, or -1 for any
     * @return the segment
     * @throws ResourceNotFoundException if the file does not exist
     * @throws IpcException              if it is not a Multiproc segment of this layout version and kind
     */
    public static Segment attach(Path path, int expectedKind) {
        return attach(path, expectedKind, ContextSettings.process().waits());
    }

    /**
     * As {@link #attach(Path, int)}, with waiters that wait as {@code waits} says.
     *
     * @param path         the file
     * @param expectedKind the body kind the caller needs, or -1 for any
     * @param waits        how the primitives in it wait
     * @return the segment
     */
    public static Segment attach(Path path, int expectedKind, WaitStrategy waits) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            if (size < SegmentDescriptor.HEADER_LENGTH) {
                throw new IpcException("cannot attach " + path + ": " + size + " bytes is shorter than the "
                        + SegmentDescriptor.HEADER_LENGTH + "-byte segment header; not a Multiproc segment");
            }
            MemorySegment memory = ch.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
            int magic = SegmentDescriptor.magic(memory);
            if (magic != SegmentDescriptor.MAGIC) {
                throw new IpcException("cannot attach " + path + ": magic 0x" + Integer.toHexString(magic)
                        + " is not 0x" + Integer.toHexString(SegmentDescriptor.MAGIC) + "; not a Multiproc segment"
                        + (magic == 0 ? " (or its creator has not finished writing it)" : ""));
            }
            int version = SegmentDescriptor.version(memory);
            if (version != SegmentDescriptor.LAYOUT_VERSION) {
                throw new IpcException("cannot attach " + path + ": layout version " + version
                        + " differs from this library's version " + SegmentDescriptor.LAYOUT_VERSION
                        + "; every process must run the same Multiproc release");
            }
            int kind = SegmentDescriptor.kind(memory);
            if (expectedKind >= 0 && kind != expectedKind) {
                throw new IpcException("cannot attach " + path + " as a " + SegmentDescriptor.kindName(expectedKind)
                        + ": it holds a " + SegmentDescriptor.kindName(kind));
            }
            long bodySize = SegmentDescriptor.bodySize(memory);
            if (bodySize < 0 || SegmentDescriptor.HEADER_LENGTH + bodySize > size) {
                throw new IpcException("cannot attach " + path + ": body size " + bodySize
                        + " does not fit the file's " + size + " bytes");
            }
            return new Segment(path, arena, memory, kind, bodySize, false, waits);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new ResourceNotFoundException("no shared-memory segment " + path + " (its owner may have closed it)", e);
        } catch (IOException e) {
            arena.close();
            throw new IpcException("cannot attach shared-memory segment " + path + ": " + e, e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    static long roundToPage(long size) {
        return (size + PAGE - 1) & -PAGE;
    }

    /** @return how the primitives in this segment wait */
    public WaitStrategy waits() {
        return waits;
    }

    /** @return the file */
    public Path path() {
        return path;
    }

    /** @return the file name */
    public String name() {
        return path.getFileName().toString();
    }

    /** @return the body kind */
    public int kind() {
        return kind;
    }

    /** @return the pid of the process that created the segment */
    public long ownerPid() {
        return SegmentDescriptor.ownerPid(memory);
    }

    /** @return the start stamp of the process that created the segment */
    public long ownerStart() {
        return SegmentDescriptor.ownerStart(memory);
    }

    /** @return the whole mapping, header included */
    public MemorySegment memory() {
        return memory;
    }

    /** @return the body (offsets of the body descriptors are relative to it) */
    public MemorySegment body() {
        return body;
    }

    /** @return whether this process created (owns) the segment */
    public boolean isOwner() {
        return owner;
    }

    /** @return whether {@link #close()} ran */
    public boolean isClosed() {
        return closed.get();
    }

    /** Removes the file name; mappings stay valid. Idempotent. */
    public void unlink() {
        if (unlinked.compareAndSet(false, true)) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                throw new IpcException("cannot unlink shared-memory segment " + path + ": " + e, e);
            }
        }
    }

    /**
     * Removes the file name at the user's request, as {@code shm_unlink(3)} does; mappings stay valid.
     *
     * @throws ResourceNotFoundException if the name is gone already (unlinked before, here or elsewhere)
     */
    public void unlinkName() {
        unlinked.set(true);
        try {
            Files.delete(path);
        } catch (NoSuchFileException e) {
            throw new ResourceNotFoundException("cannot unlink shared memory " + path.getFileName()
                    + ": it was unlinked already (no " + path + ")", e);
        } catch (IOException e) {
            throw new IpcException("cannot unlink shared-memory segment " + path + ": " + e, e);
        }
    }

    /** Unmaps the segment in this process and, if this process owns it, unlinks the file. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Cleanup cleanup = new Cleanup();
        if (owner) {
            cleanup.run(this::unlink);
        }
        cleanup.run(arena::close).rethrow();
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // best effort while undoing a failed create; the sweep removes it once we are gone
        }
    }

    @Override
    public String toString() {
        return "Segment[" + path + ", " + SegmentDescriptor.kindName(kind) + (owner ? ", owner" : ", attached")
                + (closed.get() ? ", closed]" : "]");
    }
}
