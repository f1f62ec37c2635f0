package dev.multiproc.pipe.queue.internal;

import dev.multiproc.spi.ContextSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes the socket files of queue brokers whose process died without cleaning up (SIGKILL,
 * crash): the owner pid is part of the file name. Run when a broker starts, and by a client that
 * lost its broker once the owner process is gone.
 */
final class StaleQueueSockets {
    private static final Logger LOG = LoggerFactory.getLogger(StaleQueueSockets.class);
    private static final Pattern NAME = Pattern.compile(
            Pattern.quote(ContextSettings.FILE_PREFIX) + "queue-(\\d+)-[0-9]+-[0-9a-f]+\\.sock");

    private StaleQueueSockets() {
    }

    /** @return the pid in a queue socket's file name, or -1 if it is not one */
    static long ownerOf(Path socket) {
        Matcher m = NAME.matcher(socket.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /** Removes, in the directory, queue sockets whose owner process is not alive. */
    static void sweep(Path directory) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, ContextSettings.FILE_PREFIX + "queue-*.sock")) {
            for (Path f : files) {
                long owner = ownerOf(f);
                if (owner > 0 && !alive(owner)) {
                    delete(f, owner);
                }
            }
        } catch (IOException e) {
            LOG.debug("cannot sweep {} for stale queue sockets: {}", directory, e.toString());
        }
    }

    /** Once the owner of this socket is gone, removes it. Returns at once. */
    static void removeWhenOwnerGone(Path socket) {
        long owner = ownerOf(socket);
        if (owner <= 0 || owner == ProcessHandle.current().pid()) {
            return;
        }
        ProcessHandle.of(owner).ifPresentOrElse(
                p -> p.onExit().orTimeout(30, TimeUnit.SECONDS).thenRun(() -> delete(socket, owner)),
                () -> delete(socket, owner));
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static void delete(Path f, long owner) {
        try {
            if (Files.deleteIfExists(f)) {
                LOG.debug("removed {} left by process {}, which is gone", f, owner);
            }
        } catch (IOException e) {
            LOG.debug("cannot remove stale queue socket {}: {}", f, e.toString());
        }
    }
}
