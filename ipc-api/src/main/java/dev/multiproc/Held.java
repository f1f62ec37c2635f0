package dev.multiproc;

/** A held lock: closing it releases the lock ({@code try (var h = lock.acquire()) { ... }}). */
public interface Held extends AutoCloseable {
    /** Releases the lock. */
    @Override
    void close();
}
