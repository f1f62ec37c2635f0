package dev.multiproc.spi.broker;

import dev.multiproc.spi.process.OwnedFiles;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * What a client's {@link QueueJournal} holds beyond what reached the broker over the socket,
 * read by the broker once that client's connection ended: the stream bytes the client framed
 * and had not written, and how many items its take() returned. The file is checked before it is
 * believed (its name must be a journal of the client's pid, a regular file of the right size and
 * layout), read within its bounds only, and removed.
 *
 * @param bytes the stream's bytes from the broker's received count on, to decode as if read
 * @param taken items the client's take() returned, in all
 */
record QueueJournalTail(byte[] bytes, long taken) {

    /**
     * Reads a client's journal and removes it.
     *
     * @param file     the path the client named in its HELLO
     * @param pid      the client's pid, from the same HELLO
     * @param received stream bytes the broker read from the connection
     * @return the tail, or why none can be believed
     */
    static Result read(String file, long pid, long received) {
        Path path = Path.of(file);
        if (!namesJournalOf(path, pid)) {
            return Result.refused("it is not named as a queue journal of process " + pid);
        }
        try {
            boolean regular = Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS);
            if (!regular && !Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                return Result.DELETED_BY_CLIENT; // it closed cleanly: its connection holds all it framed
            }
            if (!regular) {
                return Result.refused("it is not a regular file");
            }
            return read(path, received);
        } catch (NoSuchFileException deletedMeanwhile) {
            return Result.DELETED_BY_CLIENT;
        } catch (IOException | RuntimeException e) {
            return Result.refused("it cannot be read (" + e + ")");
        } finally {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                // a sweep removes it once its owner is gone
            }
        }
    }

    /**
     * Removes a client's journal without reading it (its stream is not believed).
     *
     * @param file the path the client named in its HELLO
     * @param pid  the client's pid
     */
    static void discard(String file, long pid) {
        Path path = Path.of(file);
        if (namesJournalOf(path, pid)) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                // a sweep removes it once its owner is gone
            }
        }
    }

    /** Only such a file is read or removed: a client cannot make the broker touch any other. */
    private static boolean namesJournalOf(Path path, long pid) {
        Path name = path.getFileName();
        Optional<OwnedFiles.Owner> owner = name == null ? Optional.empty() : OwnedFiles.ownerOf(name.toString());
        return owner.isPresent() && owner.get().kind().equals(QueueJournal.KIND) && owner.get().pid() == pid;
    }

    private static Result read(Path path, long received) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
             Arena arena = Arena.ofConfined()) {
            long size = ch.size();
            if (size < QueueJournal.HEADER_BYTES || size > QueueJournal.HEADER_BYTES + QueueJournal.MAX_CAPACITY) {
                return Result.refused("its size is " + size + " bytes");
            }
            MemorySegment m = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            int magic = m.get(ValueLayout.JAVA_INT, QueueJournal.MAGIC_OFFSET);
            int version = m.get(ValueLayout.JAVA_INT, QueueJournal.VERSION_OFFSET);
            long capacity = m.get(ValueLayout.JAVA_LONG, QueueJournal.CAPACITY_OFFSET);
            if (magic != QueueJournal.MAGIC || version != QueueJournal.VERSION
                    || capacity != size - QueueJournal.HEADER_BYTES) {
                return Result.refused("its header is not a journal's (magic " + Integer.toHexString(magic)
                        + ", version " + version + ", capacity " + capacity + " in " + size + " bytes)");
            }
            // acquire: pairs with the writer's release of end, after base and the bytes
            long end = (long) QueueJournal.LONG.getAcquire(m, QueueJournal.END_OFFSET);
            long base = (long) QueueJournal.LONG.getAcquire(m, QueueJournal.BASE_OFFSET);
            long taken = (long) QueueJournal.LONG.getAcquire(m, QueueJournal.TAKEN_OFFSET);
            if (base < 0 || end < base || end - base > capacity || taken < 0) {
                return Result.refused("it holds stream bytes [" + base + ", " + end + ") in " + capacity
                        + " bytes, " + taken + " taken");
            }
            if (received < base || received > end) {
                return Result.refused("the broker received " + received + " bytes, and it holds ["
                        + base + ", " + end + ")");
            }
            byte[] bytes = m.asSlice(QueueJournal.HEADER_BYTES + received - base, end - received)
                    .toArray(ValueLayout.JAVA_BYTE);
            return new Result(new QueueJournalTail(bytes, taken), null);
        }
    }

    /**
     * @param tail the tail, or null
     * @param why  why there is none, or null when there is nothing to believe or doubt: the client
     *             deleted its journal after it wrote everything to the connection
     */
    record Result(QueueJournalTail tail, String why) {
        static final Result DELETED_BY_CLIENT = new Result(null, null);

        static Result refused(String why) {
            return new Result(null, why);
        }
    }
}
