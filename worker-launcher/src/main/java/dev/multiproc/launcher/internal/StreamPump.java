package dev.multiproc.launcher.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Copies a child's stdout or stderr to this JVM's {@code System.out} / {@code System.err}, as
 * bytes, on a daemon thread {@code multiproc-stdout-<name>}. The target stream is looked up for
 * every chunk, so a replaced {@code System.out} (Surefire, a test capturing output) gets it. The
 * child's streams are pipes, not inherited descriptors: whoever owns this JVM's stdout sees the
 * child's output too. Stops at end of stream (the child exited).
 */
final class StreamPump {
    private static final Logger LOG = LoggerFactory.getLogger(StreamPump.class);
    private static final int CHUNK = 8192;

    private final Thread thread;

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
        Thread t = Thread.ofPlatform().name(name).daemon(true).unstarted(() -> pump(from, to, name));
        t.start();
        return new StreamPump(t);
    }

    private static void pump(InputStream from, Supplier<PrintStream> to, String name) {
        byte[] buffer = new byte[CHUNK];
        try (from) {
            for (int n; (n = from.read(buffer)) >= 0; ) {
                PrintStream out = to.get();
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            LOG.debug("{} stopped: {}", name, e.toString());
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
