package dev.multiproc.spi;

import dev.multiproc.FrameTooLargeException;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Settings of a context, read once from system properties when it is created. Every property
 * name of Multiproc is a constant here.
 *
 * @param transport      the transport name
 * @param maxFrameBytes  the largest frame accepted or sent
 * @param shmDirectory   where shared-memory segments live ({@code /dev/shm} on Linux)
 * @param socketDirectory where Unix-domain socket files live
 */
public record ContextSettings(String transport, int maxFrameBytes, Path shmDirectory, Path socketDirectory) {
    /** Largest frame in bytes. Default: 2 GiB - 1 on local transports, 64 MiB on "socket". */
    public static final String MAX_FRAME_BYTES_PROPERTY = "multiproc.maxFrameBytes";
    /** Directory of shared-memory segments. Default {@code /dev/shm}, else the temp directory. */
    public static final String SHM_DIRECTORY_PROPERTY = "multiproc.shmDirectory";
    /** Directory of Unix-domain socket files. Default: the temp directory. */
    public static final String SOCKET_DIRECTORY_PROPERTY = "multiproc.socketDirectory";
    /** Default frame limit of the local transports ("pipe", "shm"). */
    public static final int LOCAL_MAX_FRAME_BYTES = Integer.MAX_VALUE;
    /** Default frame limit of the "socket" transport, whose peers may be on other hosts. */
    public static final int SOCKET_MAX_FRAME_BYTES = 64 << 20;
    /** Prefix of every file Multiproc creates. */
    public static final String FILE_PREFIX = "multiproc-";

    /**
     * @param transport the transport the settings are for
     * @return settings from the system properties, with the defaults above
     * @throws IllegalArgumentException if a property holds a bad value; the message names it
     */
    public static ContextSettings fromSystemProperties(String transport) {
        int defaultMax = "socket".equals(transport) ? SOCKET_MAX_FRAME_BYTES : LOCAL_MAX_FRAME_BYTES;
        String max = System.getProperty(MAX_FRAME_BYTES_PROPERTY);
        int maxFrame = defaultMax;
        if (max != null && !max.isBlank()) {
            try {
                maxFrame = Integer.parseInt(max.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(MAX_FRAME_BYTES_PROPERTY + " must be an int, was '" + max + "'", e);
            }
            if (maxFrame < 1) {
                throw new IllegalArgumentException(MAX_FRAME_BYTES_PROPERTY + " must be at least 1, was " + maxFrame);
            }
        }
        return new ContextSettings(transport, maxFrame, defaultShmDirectory(), defaultSocketDirectory());
    }

    /** @return {@code -Dmultiproc.shmDirectory}, else {@code /dev/shm} if it exists, else the temp directory */
    public static Path defaultShmDirectory() {
        String dir = System.getProperty(SHM_DIRECTORY_PROPERTY);
        if (dir != null && !dir.isBlank()) {
            return Path.of(dir);
        }
        Path devShm = Path.of("/dev/shm");
        return Files.isDirectory(devShm) ? devShm : Path.of(System.getProperty("java.io.tmpdir"));
    }

    /** @return {@code -Dmultiproc.socketDirectory}, else the temp directory */
    public static Path defaultSocketDirectory() {
        String dir = System.getProperty(SOCKET_DIRECTORY_PROPERTY);
        return Path.of(dir != null && !dir.isBlank() ? dir : System.getProperty("java.io.tmpdir"));
    }

    /**
     * @param length a frame length, sent or announced by a peer
     * @throws FrameTooLargeException if it is negative or over {@link #maxFrameBytes()}
     */
    public void checkFrameLength(long length) {
        checkFrameLength(length, maxFrameBytes);
    }

    /**
     * @param length a frame length
     * @param limit  the maximum
     * @throws FrameTooLargeException if it is negative or over the limit
     */
    public static void checkFrameLength(long length, long limit) {
        if (length < 0 || length > limit) {
            throw new FrameTooLargeException(length, limit);
        }
    }
}
