package dev.multiproc.systemtests.launch;

import dev.multiproc.Multiproc;
import dev.multiproc.launcher.JvmProcessLauncher;
import dev.multiproc.pipe.PipeTransport;
import dev.multiproc.shm.ShmSharedObjectsProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A JVM whose {@code main} returns while a non-daemon child still runs waits for the child, and
 * keeps the queues and shared memory the child uses until it is gone.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LateChildTest {
    @Test
    void aNonDaemonChildStartedJustBeforeMainReturnsStillUsesQueuesLocksAndSharedMemory() throws Exception {
        List<String> entries = new ArrayList<>();
        for (Class<?> c : List.of(LateChildProbe.class, Multiproc.class, PipeTransport.class,
                ShmSharedObjectsProvider.class, JvmProcessLauncher.class, com.google.protobuf.Message.class,
                org.slf4j.Logger.class)) {
            entries.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        JavaRun.Result run = JavaRun.run(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-cp", String.join(File.pathSeparator, entries), LateChildProbe.class.getName()));
        assertThat(run.exitCode()).as("%s", run).isZero();
        assertThat(run.stdout()).as("%s", run).contains("main returns").contains("late child: counter 42, queued item");
        assertThat(run.stderr()).as("stderr").isEmpty();
    }
}
