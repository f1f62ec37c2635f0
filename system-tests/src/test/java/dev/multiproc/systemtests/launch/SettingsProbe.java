package dev.multiproc.systemtests.launch;

import dev.multiproc.Context;
import dev.multiproc.IpcQueue;
import dev.multiproc.Multiproc;

import java.util.TimeZone;

/** Prints what a child of this JVM sees of its settings (run with JVM options by {@link JvmSettingsInheritanceTest}). */
public final class SettingsProbe {
    private SettingsProbe() {
    }

    /**
     * @param args unused
     * @throws Exception if the child fails
     */
    public static void main(String[] args) throws Exception {
        try (Context ctx = Multiproc.context("pipe")) {
            IpcQueue<String> seen = ctx.queue();
            ctx.process(() -> seen.put("foo=" + System.getProperty("foo") + " tz=" + TimeZone.getDefault().getID()
                    + " maxMemoryMiB=" + Runtime.getRuntime().maxMemory() / (1 << 20))).start().join();
            System.out.println("child sees " + seen.take());
        }
    }
}
