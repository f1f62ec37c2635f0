package dev.multiproc.shm.internal.queue;

import dev.multiproc.IpcException;
import dev.multiproc.shm.internal.SegmentDescriptor;
import dev.multiproc.spi.process.ProcessLiveness;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Queue items too large for a slot: each is a file of its own beside the queue's, named
 * {@code <queue file>-item-<producer pid>-<n>}, holding a segment header and the item. Its header
 * names the queue's owner, so that the sweep of a later context removes it once that owner is
 * dead; the consumer removes it once it has read it, and the owner removes any left when it closes
 * the queue. The slot holds the name's suffix. Files are written and read with plain I/O, one copy
 * each way, which for items over a slot costs less than mapping them. Thread-safe.
 */
final class OutOfLineItems {
    private static final String INFIX = "-item-";
    private static final AtomicLong SEQUENCE = new AtomicLong();

    private final Path queueFile;
    private final long ownerPid;
    private final long ownerStart;

    /**
     * @param queueFile  the queue's file
     * @param ownerPid   its owner's pid
     * @param ownerStart its owner's start stamp
     */
    OutOfLineItems(Path queueFile, long ownerPid, long ownerStart) {
        this.queueFile = queueFile;
        this.ownerPid = ownerPid;
        this.ownerStart = ownerStart;
    }

    /**
     * Writes an item to a new file.
     *
     * @param item the item
     * @return the suffix that names the file, to keep in the slot
     */
    String write(byte[] item) {
        String suffix = INFIX + ProcessLiveness.selfPid() + "-" + SEQUENCE.incrementAndGet();
        Path file = fileOf(suffix);
        try (FileChannel ch = FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            ByteBuffer[] parts = {SegmentDescriptor.header(SegmentDescriptor.KIND_QUEUE_ITEM, ownerPid, ownerStart, item.length),
                    ByteBuffer.wrap(item)};
            while (parts[1].hasRemaining()) {
                ch.write(parts);
            }
        } catch (IOException e) {
            delete(suffix);
            throw new IpcException("cannot write a queue item of " + item.length + " bytes to " + file + ": " + e, e);
        }
        return suffix;
    }

    /**
     * Reads an item's file (which stays until {@link #delete}).
     *
     * @param suffix the name's suffix from the slot
     * @param length the item's length from the slot
     * @return the item
     */
    byte[] read(String suffix, int length) {
        Path file = fileOf(suffix);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long expected = SegmentDescriptor.HEADER_LENGTH + (long) length;
            if (ch.size() != expected) {
                throw new IpcException("queue item file " + file + " holds " + ch.size() + " bytes, not the "
                        + expected + " its slot says; it was changed outside Multiproc");
            }
            byte[] item = new byte[length];
            ByteBuffer into = ByteBuffer.wrap(item);
            long at = SegmentDescriptor.HEADER_LENGTH;
            while (into.hasRemaining()) {
                int n = ch.read(into, at);
                if (n < 0) {
                    throw new IpcException("queue item file " + file + " ended after " + into.position() + " of " + length + " bytes");
                }
                at += n;
            }
            return item;
        } catch (NoSuchFileException e) {
            throw new IpcException("queue item file " + file + " is gone: it was removed outside Multiproc", e);
        } catch (IOException e) {
            throw new IpcException("cannot read queue item file " + file + ": " + e, e);
        }
    }

    /** Removes an item's file, if it is still there. */
    void delete(String suffix) {
        try {
            Files.deleteIfExists(fileOf(suffix));
        } catch (IOException e) {
            // left for the owner's close or the next sweep
        }
    }

    /** Removes every item file of the queue (its owner, closing it). */
    void deleteAll() {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(queueFile.getParent(),
                queueFile.getFileName() + INFIX + "*")) {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            // the sweep of a later context removes them once the owner is gone
        }
    }

    private Path fileOf(String suffix) {
        if (!suffix.startsWith(INFIX) || suffix.indexOf('/') >= 0 || suffix.length() > 64) {
            throw new IpcException("queue slot names an item file '" + suffix + "' that is not one of ours; the queue "
                    + queueFile + " was corrupted");
        }
        return queueFile.resolveSibling(queueFile.getFileName() + suffix);
    }
}
