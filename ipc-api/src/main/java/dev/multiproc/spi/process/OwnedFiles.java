package dev.multiproc.spi.process;

import dev.multiproc.spi.ContextSettings;
import dev.multiproc.spi.log.Log;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one naming scheme of the files a process owns (shared-memory segments, socket files), and
 * the one sweep that removes those whose owner died without cleaning up:
 * <pre>
 *   multiproc-&lt;kind&gt;-&lt;pid&gt;-&lt;start&gt;-&lt;n&gt;-&lt;random&gt;[.suffix]
 * </pre>
 * where {@code pid} and {@code start} are the owner's pid and start stamp
 * ({@link ProcessLiveness}), so a sweep tells a dead owner from a live process that got its pid
 * again; {@code n} is a per-process sequence number and {@code random} 8 hex digits, so names are
 * unique and hard to guess. A file is stale when its owner is not alive. Thread-safe.
 */
public final class OwnedFiles {
    private static final Log LOG = Log.of(OwnedFiles.class);
    private static final AtomicLong SEQUENCE = new AtomicLong();

    /** What a name says about its owner. */
    public record Owner(String kind, long pid, long start) {
        /** @return whether the owner is alive (and the same process) */
        public boolean isAlive() {
            return ProcessLiveness.isAlive(pid, start);
        }
    }

    private OwnedFiles() {
    }

    /**
     * @param kind   what the file is, e.g. "shm", "queue", "ctl" (letters only)
     * @param suffix a file suffix such as ".sock", or ""
     * @return a fresh name owned by this process
     */
    public static String newName(String kind, String suffix) {
        return ContextSettings.FILE_PREFIX + kind + "-" + ProcessLiveness.selfPid() + "-" + ProcessLiveness.selfStart()
                + "-" + SEQUENCE.incrementAndGet() + "-"
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()) + suffix;
    }

    /**
     * @param fileName a file name
     * @return its owner, if it follows the scheme
     */
    public static Optional<Owner> ownerOf(String fileName) {
        if (!fileName.startsWith(ContextSettings.FILE_PREFIX)) {
            return Optional.empty();
        }
        String[] parts = fileName.substring(ContextSettings.FILE_PREFIX.length()).split("-");
        if (parts.length < 5) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Owner(parts[0], Long.parseLong(parts[1]), Long.parseLong(parts[2])));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Removes, in a directory, the files of one kind whose owner is dead.
     *
     * @param directory where to look
     * @param kind      the kind of file
     * @return how many were removed
     */
    public static int sweep(Path directory, String kind) {
        int removed = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, ContextSettings.FILE_PREFIX + kind + "-*")) {
            for (Path f : files) {
                Optional<Owner> owner = ownerOf(f.getFileName().toString());
                if (owner.isPresent() && owner.get().kind().equals(kind) && !owner.get().isAlive() && delete(f)) {
                    removed++;
                }
            }
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            LOG.debug("cannot sweep {} for stale {} files: {}", directory, kind, e.toString());
        }
        return removed;
    }

    /**
     * Removes, in a directory, the files of every kind whose owner is dead: what a process killed
     * by SIGKILL left (segments, socket files, queue journals). Reads names only, and judges each
     * owner once.
     *
     * @param directory where to look
     * @return how many were removed
     */
    public static int sweepAll(Path directory) {
        int removed = 0;
        Map<Owner, Boolean> alive = new HashMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, ContextSettings.FILE_PREFIX + "*")) {
            for (Path f : files) {
                Optional<Owner> owner = ownerOf(f.getFileName().toString());
                if (owner.isPresent()) {
                    Owner o = new Owner("", owner.get().pid(), owner.get().start());
                    if (!alive.computeIfAbsent(o, Owner::isAlive) && delete(f)) {
                        removed++;
                    }
                }
            }
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot sweep {} for stale files: {}", directory, e.toString());
        }
        if (removed > 0) {
            LOG.info("removed {} file(s) left in {} by processes that are gone", removed, directory);
        }
        return removed;
    }

    /**
     * Removes, in a directory, the files this process owns (named with its pid and start stamp):
     * for a JVM that halts without its exit steps, which would otherwise leave them to the next
     * sweep of another process.
     *
     * @param directory where to look
     * @return how many were removed
     */
    public static int removeOwn(Path directory) {
        int removed = 0;
        String own = ContextSettings.FILE_PREFIX + "*-" + ProcessLiveness.selfPid() + "-" + ProcessLiveness.selfStart() + "-*";
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, own)) {
            for (Path f : files) {
                Optional<Owner> owner = ownerOf(f.getFileName().toString());
                if (owner.isPresent() && owner.get().pid() == ProcessLiveness.selfPid()
                        && owner.get().start() == ProcessLiveness.selfStart() && Files.deleteIfExists(f)) {
                    removed++;
                }
            }
        } catch (IOException | RuntimeException e) {
            // best effort on the way out: a later sweep removes what is left (its owner is gone by then)
        }
        return removed;
    }

    /**
     * Removes a file if its owner (from its name) is dead.
     *
     * @param file a file of the scheme
     * @return whether it was removed
     */
    public static boolean removeIfOwnerDead(Path file) {
        Optional<Owner> owner = ownerOf(file.getFileName().toString());
        return owner.isPresent() && !owner.get().isAlive() && delete(file);
    }

    private static boolean delete(Path f) {
        try {
            if (Files.deleteIfExists(f)) {
                LOG.debug("removed {}, left by a process that is gone", f);
                return true;
            }
        } catch (IOException e) {
            LOG.debug("cannot remove stale file {}: {}", f, e.toString());
        }
        return false;
    }
}
