package dev.multiproc.systemtests.launch;

import dev.multiproc.Context;
import dev.multiproc.IpcQueue;
import dev.multiproc.Multiproc;

import java.lang.management.ManagementFactory;

/** Prints the JVM options of a child it starts (run from a jar by {@link AotCacheTest}). */
public final class AotProbe {
    private AotProbe() {
    }

    /**
     * @param args unused
     * @throws Exception if the child fails
     */
    public static void main(String[] args) throws Exception {
        try (Context ctx = Multiproc.context("pipe")) {
            IpcQueue<String> options = ctx.queue();
            ctx.process(() -> options.put(String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments())))
                    .start().join();
            System.out.println("child options: " + options.take());
        }
    }
}
