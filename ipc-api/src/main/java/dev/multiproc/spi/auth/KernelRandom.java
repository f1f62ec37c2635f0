package dev.multiproc.spi.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;

/**
 * Random bytes for keys, nonces and tokens, read from the kernel's {@code /dev/urandom}.
 *
 * <p>Why not {@link SecureRandom}: its first use in a JVM loads the security providers, about
 * 20 ms of a child's start-up on this project's reference machine, and every child makes a
 * challenge while it starts. {@code /dev/urandom} is what the default {@code SecureRandom}
 * (NativePRNG) reads on Linux anyway. Where it cannot be opened, {@code SecureRandom} is used.
 *
 * <p>Thread-safe: reads are serialized on the class.
 */
public final class KernelRandom {
    private static final Path DEVICE = Path.of("/dev/urandom");
    private static FileChannel device;
    private static SecureRandom fallback;

    private KernelRandom() {
    }

    /**
     * Fills the array with random bytes.
     *
     * @param bytes the array to fill
     * @throws UncheckedIOException if the kernel device fails mid-read
     */
    public static synchronized void fill(byte[] bytes) {
        if (device == null && fallback == null) {
            try {
                device = FileChannel.open(DEVICE, StandardOpenOption.READ);
            } catch (IOException | UnsupportedOperationException e) {
                fallback = new SecureRandom();
            }
        }
        if (fallback != null) {
            fallback.nextBytes(bytes);
            return;
        }
        ByteBuffer into = ByteBuffer.wrap(bytes);
        try {
            while (into.hasRemaining()) {
                if (device.read(into) < 0) {
                    throw new IOException("end of file after " + into.position() + " of " + bytes.length + " bytes");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + DEVICE + ": " + e.getMessage(), e);
        }
    }

    /**
     * @param length how many bytes
     * @return that many random bytes
     */
    public static byte[] bytes(int length) {
        byte[] b = new byte[length];
        fill(b);
        return b;
    }
}
