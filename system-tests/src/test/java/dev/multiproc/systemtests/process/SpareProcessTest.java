package dev.multiproc.systemtests.process;

import dev.multiproc.Context;
import dev.multiproc.ContextOptions;
import dev.multiproc.IpcEvent;
import dev.multiproc.IpcProcess;
import dev.multiproc.Multiproc;
import dev.multiproc.Pool;
import dev.multiproc.PoolOptions;
import dev.multiproc.ProcessInfo;
import dev.multiproc.SharedLong;
import dev.multiproc.launcher.WarmSpares;
import dev.multiproc.systemtests.LeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Warm spare JVMs: a child started while a spare waits is that spare (its pid), and is in every
 * way a child: name, parent, exit codes, output, non-daemon threads. Spares are nobody's children
 * until then, are not used for other JVM options, and go with their context.
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SpareProcessTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static Context contextWithSpares(int spares) {
        return Multiproc.context(ContextOptions.builder().transport("pipe").spares(spares).build());
    }

    /** @return the pids of this JVM's child processes that are not Multiproc children (the spares) */
    private static Set<Long> spares() {
        Set<Long> children = Multiproc.activeChildren().stream().map(IpcProcess::pid).collect(Collectors.toSet());
        return ProcessHandle.current().children().filter(ProcessHandle::isAlive).map(ProcessHandle::pid)
                .filter(pid -> !children.contains(pid)).collect(Collectors.toSet());
    }

    /** @return the pid of the context's one spare, once it is warm */
    private static long awaitOneSpare(Context ctx) throws InterruptedException {
        assertThat(WarmSpares.awaitWarm(ctx, WAIT)).isTrue();
        return await().atMost(WAIT).until(SpareProcessTest::spares, s -> s.size() == 1).iterator().next();
    }

    @Test
    void aChildStartedWhileASpareWaitsIsThatSpareAndEveryBitAChild() throws Exception {
        try (Context ctx = contextWithSpares(1)) {
            IpcProcess first = ctx.process("first", () -> { }).start(); // cold; a spare starts behind it
            assertThat(first.join(WAIT)).isTrue();
            long spare = awaitOneSpare(ctx);
            assertThat(Multiproc.activeChildren()).noneMatch(p -> p.pid() == spare);

            SharedLong parentPid = ctx.sharedLong(0);
            IpcEvent threadDone = ctx.event();
            IpcProcess child = ctx.process("from-a-spare", () -> {
                ProcessInfo me = Multiproc.currentProcess();
                if (!me.name().equals("from-a-spare")) {
                    throw new AssertionError("named " + me.name());
                }
                parentPid.set(Multiproc.parentProcess().orElseThrow().pid());
                System.out.println("out of the spare");
                Thread.ofPlatform().daemon(false).start(threadDone::set); // waited for before the exit
                System.exit(7);
            }).start();
            assertThat(child.pid()).as("the spare became the child").isEqualTo(spare);
            assertThat(child.join(WAIT)).isTrue();
            assertThat(child.exitCode()).isEqualTo(OptionalInt.of(7));
            assertThat(parentPid.get()).isEqualTo(ProcessHandle.current().pid());
            assertThat(child.name()).isEqualTo("from-a-spare");

            long next = awaitOneSpare(ctx); // another one started behind it
            assertThat(next).isNotEqualTo(spare);
            IpcEvent running = ctx.event();
            IpcProcess terminated = ctx.process(() -> {
                running.set();
                Thread.sleep(Long.MAX_VALUE); // stands for work; terminated below
            }).start();
            assertThat(terminated.pid()).isEqualTo(next);
            assertThat(running.await(WAIT)).isTrue();
            terminated.terminate();
            assertThat(terminated.join(WAIT)).isTrue();
            assertThat(terminated.exitCode()).isEqualTo(OptionalInt.of(-15));
        }
        assertThat(spares()).as("the context's close killed its spare").isEmpty();
    }

    @Test
    void aSpareIsNotUsedForOtherJvmOptionsAndNoneAreKeptWhenTurnedOff() throws Exception {
        try (Context ctx = contextWithSpares(1)) {
            assertThat(ctx.process(() -> { }).start().join(WAIT)).isTrue();
            long spare = awaitOneSpare(ctx);
            try (Pool pool = ctx.pool(PoolOptions.builder().processes(1).jvmOptions(List.of("-Xmx64m")).build())) {
                long worker = pool.apply(() -> ProcessHandle.current().pid());
                assertThat(worker).as("a worker with other JVM options").isNotEqualTo(spare);
                assertThat(pool.apply(() -> Runtime.getRuntime().maxMemory())).isLessThan(80L << 20);
            }
            assertThat(spares()).contains(spare);
        }
        try (Context off = contextWithSpares(0)) {
            assertThat(off.process(() -> { }).start().join(WAIT)).isTrue();
            assertThat(WarmSpares.awaitWarm(off, Duration.ofMillis(100))).isFalse();
            assertThat(spares()).as("spares(0) keeps none").isEmpty();
        }
    }

    @Test
    void aSpareWarmingWhenItsParentIsKilledExitsAndLeavesNoSocketFile() throws Exception {
        try (Context ctx = contextWithSpares(0)) {
            SharedLong sparePid = ctx.sharedLong(0);
            SharedLong socketFiles = ctx.sharedLong(-1);
            IpcProcess parent = ctx.process("parent-of-a-spare", () -> {
                Context inner = contextWithSpares(1); // never closed: this process is killed first
                WarmSpares.awaitWarm(inner, Duration.ofMillis(1)); // starts a spare, does not wait for it
                long pid = await().atMost(WAIT).until(() -> ProcessHandle.current().children().findFirst(),
                        java.util.Optional::isPresent).orElseThrow().pid();
                socketFiles.set(ownSocketFiles(ProcessHandle.current().pid()).size());
                sparePid.set(pid);
                Thread.sleep(Long.MAX_VALUE); // killed below
            }).start();
            long spare = await().atMost(WAIT).until(sparePid::get, pid -> pid != 0);
            long parentPid = parent.pid();
            assertThat(socketFiles.get()).as("the spare's control socket, while it warms").isEqualTo(1);

            parent.kill();
            assertThat(parent.join(WAIT)).isTrue();
            await().atMost(WAIT).until(() -> ProcessHandle.of(spare).map(ProcessHandle::isAlive).orElse(false), alive -> !alive);
            assertThat(ownSocketFiles(parentPid)).as("socket files of the killed parent").isEmpty();
        }
    }

    /** @return the control socket files a process made in the socket directory */
    private static List<java.nio.file.Path> ownSocketFiles(long pid) throws java.io.IOException {
        java.nio.file.Path dir = dev.multiproc.spi.process.PrivateDirectory.defaultDirectory();
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith("multiproc-ctl-" + pid + "-")).toList();
        }
    }
}
