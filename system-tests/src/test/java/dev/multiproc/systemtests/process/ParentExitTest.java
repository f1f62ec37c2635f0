package dev.multiproc.systemtests.process;

import dev.multiproc.Context;
import dev.multiproc.IpcProcess;
import dev.multiproc.Multiproc;
import dev.multiproc.systemtests.LeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What happens to children when their parent goes: they die within 2 s when it is SIGKILLed;
 * at its normal exit daemon children are terminated and the others are waited for.
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ParentExitTest {
    @TempDir
    Path tmp;

    @Test
    void childrenDieWhenTheirParentIsKilled() throws Exception {
        String pidFile = tmp.resolve("grandchild.pid").toString();
        try (Context ctx = Multiproc.context("pipe")) {
            IpcProcess parent = ctx.process("intermediate", () -> {
                Context inner = Multiproc.context("pipe"); // never closed: the parent is killed first
                inner.process("grandchild", () -> {
                    // Written once the grandchild runs its target, i.e. is connected to its parent.
                    writeAtomically(pidFile, Long.toString(ProcessHandle.current().pid()));
                    ProcessLifecycleTest.sleepLong();
                }).start();
                ProcessLifecycleTest.sleepLong();
            }).start();
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(Path.of(pidFile)));
            long grandchildPid = Long.parseLong(Files.readString(Path.of(pidFile)));
            ProcessHandle grandchild = ProcessHandle.of(grandchildPid).orElseThrow();
            try {
                parent.kill();
                parent.join();
                long killed = System.nanoTime();
                assertThat(parent.exitCode()).isEqualTo(OptionalInt.of(-9));
                // Typically ~0.1 s: end of file on its stdin.
                await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(10)).until(() -> hasExited(grandchild));
                assertThat(Duration.ofNanos(System.nanoTime() - killed)).isLessThan(Duration.ofSeconds(2));
            } finally {
                grandchild.destroyForcibly();
            }
        }
    }

    @Test
    void atExitDaemonChildrenAreTerminatedAndOthersWaitedFor() throws Exception {
        String daemonPidFile = tmp.resolve("daemon.pid").toString();
        String doneFile = tmp.resolve("non-daemon.done").toString();
        try (Context ctx = Multiproc.context("pipe")) {
            IpcProcess parent = ctx.process("exiting-parent", () -> {
                Context inner = Multiproc.context("pipe"); // not closed: the JVM's exit handles its children
                IpcProcess daemon = inner.process("daemon-child", ProcessLifecycleTest::sleepLong);
                daemon.setDaemon(true);
                daemon.start();
                writeAtomically(daemonPidFile, Long.toString(daemon.pid()));
                inner.process("non-daemon-child", () -> {
                    Thread.sleep(1000); // outlives the parent's target: the parent must wait for it
                    writeAtomically(doneFile, "done");
                }).start();
            }).start();
            assertThat(parent.join(Duration.ofSeconds(60))).isTrue();
            assertThat(parent.exitCode()).isEqualTo(OptionalInt.of(0));
            assertThat(Path.of(doneFile)).hasContent("done");
            ProcessHandle daemon = ProcessHandle.of(Long.parseLong(Files.readString(Path.of(daemonPidFile)))).orElse(null);
            if (daemon != null) {
                try {
                    await().atMost(Duration.ofSeconds(3)).until(() -> hasExited(daemon));
                } finally {
                    daemon.destroyForcibly();
                }
            }
        }
    }

    /**
     * @return whether the process has exited. An orphan that exited stays a zombie until the
     *         init process reaps it, which some sandboxes do late; ProcessHandle calls a zombie alive.
     */
    static boolean hasExited(ProcessHandle process) {
        if (!process.isAlive()) {
            return true;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException | RuntimeException noProcfs) {
            return false;
        }
    }

    static void writeAtomically(String file, String content) throws IOException {
        Path target = Path.of(file);
        Path partial = Path.of(file + ".partial");
        Files.writeString(partial, content);
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
    }
}
