package dev.multiproc.spi.broker;

import dev.multiproc.spi.frame.WriteJournal;
import dev.multiproc.spi.process.OwnedFiles;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A queue client's {@link WriteJournal}: a small file in shared memory ({@code /dev/shm}) mapped
 * by the client, holding its {@link dev.multiproc.spi.frame.FrameWriter}'s buffer and the count of
 * items it took. Writing to a shared mapping puts the bytes in the kernel's page cache, so they
 * outlive the process even when it is killed: when the connection ends, the broker reads from here
 * what the client framed and had not yet written ({@link QueueJournalTail}) and applies it, and
 * counts as taken every item the client's {@code take()} returned. That is how a {@code put()}
 * that returned survives its producer's SIGKILL and a taken item is never delivered again, while
 * puts and acknowledgements still leave in coalesced writes.
 *
 * <pre>
 *  offset  0: magic    u32  'MPQJ'
 *          4: version  u32  1
 *          8: capacity i64  bytes of the buffer
 *         16: base     i64  stream offset of buffer byte 0          (writer: plain, before end)
 *         24: end      i64  stream offset after the last byte framed (writer: release)
 *         32: taken    i64  items this client's take() returned, in all (writer: release)
 *         40: reserved, to 64
 *         64: buffer   capacity bytes: stream bytes [base, end) at [0, end - base)
 * </pre>
 * Native byte order: both ends are on one host. The broker reads the file only after the client's
 * connection ended (the client is gone, or closed it having written everything), so the release
 * stores order the fields for a reader that looks early, never for a live race. Written under
 * the writer's lock ({@code base}, {@code end}) and under the proxy's lock ({@code taken}).
 */
final class QueueJournal implements WriteJournal {
    /** Kind of the files, in {@link OwnedFiles} names. */
    static final String KIND = "qjournal";
    static final int MAGIC = 0x4d50514a;
    static final int VERSION = 1;
    static final long MAGIC_OFFSET = 0;
    static final long VERSION_OFFSET = 4;
    static final long CAPACITY_OFFSET = 8;
    static final long BASE_OFFSET = 16;
    static final long END_OFFSET = 24;
    static final long TAKEN_OFFSET = 32;
    static final long HEADER_BYTES = 64;
    /** Largest buffer a broker accepts in a client's journal. */
    static final long MAX_CAPACITY = 1 << 20;
    static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final Path file;
    private final MemorySegment header;
    private final MemorySegment buffer;

    private QueueJournal(Path file, MemorySegment mapped) {
        this.file = file;
        this.header = mapped.asSlice(0, HEADER_BYTES);
        this.buffer = mapped.asSlice(HEADER_BYTES);
    }

    /**
     * Creates a journal file, readable and writable by its owner only, and maps it.
     *
     * @param directory   where it goes (shared memory)
     * @param bufferBytes size of the writer's buffer
     * @return the journal
     * @throws IOException if the file cannot be made or mapped
     */
    static QueueJournal create(Path directory, int bufferBytes) throws IOException {
        Path file = directory.resolve(OwnedFiles.newName(KIND, ""));
        long size = HEADER_BYTES + bufferBytes;
        try (FileChannel ch = FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            MemorySegment mapped = ch.map(FileChannel.MapMode.READ_WRITE, 0, size, Arena.ofAuto());
            mapped.set(ValueLayout.JAVA_INT, MAGIC_OFFSET, MAGIC);
            mapped.set(ValueLayout.JAVA_INT, VERSION_OFFSET, VERSION);
            mapped.set(ValueLayout.JAVA_LONG, CAPACITY_OFFSET, bufferBytes);
            return new QueueJournal(file, mapped);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /** @return the file, which the client names to the broker in its HELLO */
    Path file() {
        return file;
    }

    @Override
    public MemorySegment buffer() {
        return buffer;
    }

    @Override
    public void record(long base, long end) {
        LONG.set(header, BASE_OFFSET, base);
        LONG.setRelease(header, END_OFFSET, end);
    }

    /** @param total items this client's take() returned so far */
    void taken(long total) {
        LONG.setRelease(header, TAKEN_OFFSET, total);
    }

    /**
     * The client is done: everything it framed was written to the socket, so nothing here is
     * needed any more. The mapping goes with the garbage collector.
     */
    void delete() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // the broker, or a sweep once this process is gone, removes it
        }
    }

    @Override
    public String toString() {
        return "QueueJournal[" + file + "]";
    }
}
