package dev.multiproc.systemtests.launch;

import dev.multiproc.Context;
import dev.multiproc.IpcLock;
import dev.multiproc.IpcProcess;
import dev.multiproc.Multiproc;

import java.util.concurrent.TimeUnit;

/**
 * Makes the library warn once: a child dies holding a lock, and this JVM takes the lock over (run
 * with and without a logging provider by {@link LibraryWarningsTest}).
 */
public final class WarningProbe {
    private WarningProbe() {
    }

    /**
     * @param args unused
     * @throws Exception if the lock cannot be taken
     */
    public static void main(String[] args) throws Exception {
        try (Context ctx = Multiproc.context("pipe")) {
            IpcLock lock = ctx.lock();
            IpcProcess holder = ctx.process("holder", () -> {
                lock.lock();
                Runtime.getRuntime().halt(3);
            }).start();
            holder.join();
            if (!lock.tryLock(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the lock of a dead holder was not taken over");
            }
            lock.unlock();
            System.out.println("lock taken over after holder exited with " + holder.exitCode().orElseThrow());
        }
    }
}
