package dev.multiproc.launcher.internal;

import dev.multiproc.spi.log.Log;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Copies a child's stdout or stderr to this JVM's {@code System.out} / {@code System.err}, as
 * bytes, on a daemon thread {@code multiproc-stdout-<name>}. The target stream is looked up for
 * every chunk, so a replaced {@code System.out} (Surefire, a test capturing output) gets it. The
 * child's streams are pipes, not inherited descriptors: whoever owns this JVM's stdout sees the
 * child's output too. Stops at end of stream (the child exited). Keeps the last
 * {@link #TAIL_BYTES} bytes, so that a child that dies at start can be reported with what it said.
 */
final class StreamPump {
    private static final Log LOG = Log.of(StreamPump.class);
    private static final int CHUNK = 8192;
    /** How much of the end of the output {@link #tail()} gives. */
    static final int TAIL_BYTES = 2048;

    private final Thread thread;
    private final byte[] tail = new byte[TAIL_BYTES];
    /** Bytes seen in all (guarded by {@code tail}); the last of them are in the ring at total mod TAIL_BYTES. */
    private long total;

    private StreamPump(Thread thread) {
        this.thread = thread;
    }

    /**
     * @param from   the child's stream
     * @param to     where it goes, looked up per chunk
     * @param name   thread name
     * @return a started pump
     */
    static StreamPump start(InputStream from, Supplier<PrintStream> to, String name) {
        StreamPump[] pump = new StreamPump[1];
        Thread t = Thread.ofPlatform().name(name).daemon(true).unstarted(() -> pump[0].pump(from, to, name));
        pump[0] = new StreamPump(t);
        t.start();
        return pump[0];
    }

    private void pump(InputStream from, Supplier<PrintStream> to, String name) {
        byte[] buffer = new byte[CHUNK];
        try (from) {
            for (int n; (n = from.read(buffer)) >= 0; ) {
                keep(buffer, n);
                PrintStream out = to.get();
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            LOG.debug("{} stopped: {}", name, e.toString());
        }
    }

    /** @param name the new name of the pump's thread (a spare's pumps, once it becomes a child) */
    void rename(String name) {
        thread.setName(name);
    }

    private void keep(byte[] bytes, int n) {
        synchronized (tail) {
            for (int i = Math.max(0, n - TAIL_BYTES); i < n; i++) {
                tail[(int) (total++ % TAIL_BYTES)] = bytes[i];
            }
        }
    }

    /** @return the last bytes of the output so far (at most {@link #TAIL_BYTES}), as text */
    String tail() {
        synchronized (tail) {
            int size = (int) Math.min(total, TAIL_BYTES);
            byte[] out = new byte[size];
            for (int i = 0; i < size; i++) {
                out[i] = tail[(int) ((total - size + i) % TAIL_BYTES)];
            }
            return new String(out, StandardCharsets.UTF_8);
        }
    }

    /**
     * @param timeout how long to wait for the rest of the output
     * @return whether the pump reached end of stream
     * @throws InterruptedException if interrupted
     */
    boolean awaitEnd(Duration timeout) throws InterruptedException {
        return thread.join(timeout);
    }
}
