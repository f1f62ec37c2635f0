package dev.multiproc.spi.process;

import dev.multiproc.IpcException;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The directory the library's socket files live in, readable by their owner only: created
 * {@code 0700} when missing. One that exists must belong to this user: a directory another user
 * made in a shared place (to catch our sockets) is refused. The library's own default directory
 * ({@code multiproc-<user>} in the temp directory) is also tightened to {@code 0700} if it was
 * opened up; a directory the user named is left as it is. Checked once per directory and JVM.
 * Thread-safe.
 */
public final class PrivateDirectory {
    /** How the library's default socket directory is named, before the user name. */
    public static final String DEFAULT_NAME_PREFIX = "multiproc-";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    private static final Set<Path> CHECKED = ConcurrentHashMap.newKeySet();

    private PrivateDirectory() {
    }

    /**
     * @param directory where socket files go
     * @return the directory, ready
     * @throws IpcException if it cannot be created, is not a directory, or belongs to another user
     */
    public static Path ensure(Path directory) {
        Path dir = directory.toAbsolutePath().normalize();
        if (CHECKED.contains(dir)) {
            return dir;
        }
        try {
            Files.createDirectories(dir.getParent());
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } catch (UnsupportedOperationException e) {
                Files.createDirectory(dir); // not a POSIX file system: no permissions to set
            }
        } catch (FileAlreadyExistsException e) {
            checkExisting(dir);
        } catch (IOException e) {
            throw new IpcException("cannot create the socket directory " + dir + ": " + e, e);
        }
        CHECKED.add(dir);
        return dir;
    }

    private static void checkExisting(Path dir) {
        try {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new IpcException("socket directory " + dir + " exists but is not a directory (or is a link)");
            }
            String owner = Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName();
            String self = System.getProperty("user.name");
            if (!owner.equals(self)) {
                throw new IpcException("refusing socket directory " + dir + ": it belongs to " + owner + ", not to "
                        + self + "; remove it, or set -Dmultiproc.socketDirectory to a directory of your own");
            }
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
            if (!OWNER_ONLY.containsAll(perms) && dir.getFileName().toString().startsWith(DEFAULT_NAME_PREFIX)) {
                Files.setPosixFilePermissions(dir, OWNER_ONLY);
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to check
        } catch (IOException e) {
            throw new IpcException("cannot check the socket directory " + dir + ": " + e, e);
        }
    }

    /** @return the default socket directory: {@code multiproc-<user>} in the temp directory */
    public static Path defaultDirectory() {
        String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
        return Path.of(System.getProperty("java.io.tmpdir"), DEFAULT_NAME_PREFIX + user);
    }
}
