package dev.multiproc.systemtests.pool;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/** Code the pool tests run inside worker JVMs. */
final class WorkerSide {
    /** How many times the initializer ran in this JVM. */
    static final AtomicInteger INITIALIZED = new AtomicInteger();

    private WorkerSide() {
    }

    /** @return this JVM's pid */
    static long pid() {
        return ProcessHandle.current().pid();
    }

    /** Kills this worker JVM with SIGKILL and waits for the signal to land. */
    static void killSelf() throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-9", String.valueOf(pid())).start().waitFor();
        Thread.currentThread().join(); // SIGKILL arrives while we wait
    }

    /** Allocates until the heap is gone. */
    static long exhaustHeap() {
        java.util.List<long[]> hog = new java.util.ArrayList<>();
        while (true) {
            hog.add(new long[1 << 20]);
        }
    }

    /** @return some CPU-bound work */
    static long spin(long n) {
        long h = 0;
        for (long i = 0; i < n; i++) {
            h = h * 31 + i;
        }
        return h;
    }
}
