package dev.multiproc.launcher.internal;

import dev.multiproc.spi.ContextSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Removes control-socket files left by a JVM that was killed before its children connected
 * ({@code multiproc-ctl-<pid>-*.sock} whose pid is no longer running). Runs once per directory
 * per JVM, when the first listener is bound there.
 */
final class StaleSockets {
    /** Prefix of control-socket files; the owner's pid follows. */
    static final String CONTROL_PREFIX = ContextSettings.FILE_PREFIX + "ctl-";
    private static final Logger LOG = LoggerFactory.getLogger(StaleSockets.class);
    private static final Set<Path> SWEPT = ConcurrentHashMap.newKeySet();

    private StaleSockets() {
    }

    static void sweepOnce(Path directory) {
        if (!SWEPT.add(directory.toAbsolutePath().normalize())) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, CONTROL_PREFIX + "*.sock")) {
            for (Path f : files) {
                long owner = ownerPid(f.getFileName().toString());
                if (owner > 0 && ProcessHandle.of(owner).map(ProcessHandle::isAlive).orElse(false)) {
                    continue;
                }
                if (owner > 0 && Files.deleteIfExists(f)) {
                    LOG.info("removed control socket {} left by pid {}, which is gone", f, owner);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("sweep of stale control sockets in {} failed: {}", directory, e.toString());
        }
    }

    /** @return the pid in {@code multiproc-ctl-<pid>-...}, or -1 */
    static long ownerPid(String fileName) {
        int start = CONTROL_PREFIX.length();
        int end = fileName.indexOf('-', start);
        if (!fileName.startsWith(CONTROL_PREFIX) || end < 0) {
            return -1;
        }
        try {
            return Long.parseLong(fileName.substring(start, end));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
