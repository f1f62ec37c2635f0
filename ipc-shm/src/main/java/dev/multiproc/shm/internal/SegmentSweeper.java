package dev.multiproc.shm.internal;

import dev.multiproc.spi.ContextSettings;
import dev.multiproc.spi.log.Log;
import dev.multiproc.spi.process.OwnedFiles;
import dev.multiproc.spi.process.ProcessLiveness;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Removes the segments of processes that died without cleaning up (SIGKILL, a crash). A file is
 * removed when its name starts with {@code multiproc-}, it carries a Multiproc header of this
 * layout version, and its owner (pid and start stamp) is no longer alive. A file whose header
 * was never finished is removed when its generated name ({@link OwnedFiles}: {@code
 * multiproc-shm-<pid>-<start>-...}) names a dead owner. Files of other layouts or other users are left alone. Thread-safe; concurrent
 * sweeps in several processes are harmless.
 */
public final class SegmentSweeper {
    private static final Log LOG = Log.of(SegmentSweeper.class);

    private SegmentSweeper() {
    }

    /**
     * @param directory the shm directory
     * @return how many segments were removed
     */
    public static int sweep(Path directory) {
        int removed = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, ContextSettings.FILE_PREFIX + "*")) {
            for (Path file : files) {
                if (isOrphan(file) && delete(file)) {
                    removed++;
                }
            }
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException | RuntimeException e) {
            LOG.warn("sweep of orphaned shared-memory segments in {} failed: {}", directory, e.toString());
        }
        if (removed > 0) {
            LOG.info("removed {} shared-memory segment(s) of dead processes from {}", removed, directory);
        }
        return removed;
    }

    /**
     * @param file a {@code multiproc-*} file
     * @return whether it is a segment whose owner is dead
     */
    static boolean isOrphan(Path file) {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        ByteBuffer header = ByteBuffer.allocate(SegmentDescriptor.HEADER_LENGTH).order(ByteOrder.nativeOrder());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (header.hasRemaining() && ch.read(header, header.position()) > 0) {
                // read the header, however short the file
            }
        } catch (IOException e) {
            return false; // vanished, or not readable by us: not ours to judge
        }
        if (header.position() >= SegmentDescriptor.HEADER_LENGTH
                && header.getInt(SegmentDescriptor.MAGIC_OFFSET) == SegmentDescriptor.MAGIC) {
            if (header.getInt(SegmentDescriptor.VERSION_OFFSET) != SegmentDescriptor.LAYOUT_VERSION) {
                return false;
            }
            long pid = header.getLong(SegmentDescriptor.OWNER_PID_OFFSET);
            long stamp = header.getLong(SegmentDescriptor.OWNER_START_OFFSET);
            return !ProcessLiveness.isAlive(pid, stamp);
        }
        boolean unfinished = header.position() < SegmentDescriptor.HEADER_LENGTH
                || header.getInt(SegmentDescriptor.MAGIC_OFFSET) == 0;
        return unfinished && OwnedFiles.ownerOf(file.getFileName().toString())
                .filter(o -> o.kind().equals(Segments.KIND) && !o.isAlive()).isPresent();
    }

    private static boolean delete(Path file) {
        try {
            boolean deleted = Files.deleteIfExists(file);
            if (deleted) {
                LOG.debug("removed orphaned shared-memory segment {}", file);
            }
            return deleted;
        } catch (IOException e) {
            LOG.debug("cannot remove orphaned segment {}: {}", file, e.toString());
            return false;
        }
    }
}
