package dev.multiproc.systemtests.launch;

import dev.multiproc.Context;
import dev.multiproc.IpcLock;
import dev.multiproc.IpcQueue;
import dev.multiproc.Multiproc;
import dev.multiproc.SharedLong;

import java.util.concurrent.TimeUnit;

/**
 * Returns from {@code main} right after it starts a non-daemon child, without closing its
 * context: the child then uses this JVM's queue, lock and shared memory while this JVM waits for
 * it at exit (run by {@link LateChildTest}).
 */
public final class LateChildProbe {
    private LateChildProbe() {
    }

    /**
     * @param args unused
     */
    public static void main(String[] args) {
        Context ctx = Multiproc.context("pipe");
        IpcQueue<String> queue = ctx.queue();
        SharedLong counter = ctx.sharedLong(41);
        IpcLock lock = ctx.lock();
        ctx.process("late", () -> {
            TimeUnit.MILLISECONDS.sleep(500); // stands for work: main has returned by now
            lock.lock();
            try {
                counter.incrementAndGet();
            } finally {
                lock.unlock();
            }
            queue.put("item");
            System.out.println("late child: counter " + counter.get() + ", queued " + queue.take());
        }).start();
        System.out.println("main returns");
    }
}
