package dev.multiproc.spi.auth;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.SecureRandom;

/**
 * Random bytes for keys, nonces and tokens, read from the kernel's {@code /dev/urandom}.
 *
 * <p>Why not {@link SecureRandom}: its first use in a JVM loads the security providers, about
 * 20 ms of a child's start-up on this project's reference machine, and every child makes a
 * challenge while it starts. {@code /dev/urandom} is what the default {@code SecureRandom}
 * (NativePRNG) reads on Linux anyway. Where it cannot be opened, {@code SecureRandom} is used.
 *
 * <p>A stream, not a {@code FileChannel}: an interrupt of a thread reading a channel closes the
 * channel for every thread.
 *
 * <p>Thread-safe: reads are serialized on the class.
 */
public final class KernelRandom {
    private static final String DEVICE = "/dev/urandom";
    private static InputStream device;
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
                device = new FileInputStream(DEVICE);
            } catch (IOException e) {
                fallback = new SecureRandom();
            }
        }
        if (fallback != null) {
            fallback.nextBytes(bytes);
            return;
        }
        try {
            for (int at = 0, n; at < bytes.length; at += n) {
                n = device.read(bytes, at, bytes.length - at);
                if (n < 0) {
                    throw new IOException("end of file after " + at + " of " + bytes.length + " bytes");
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
