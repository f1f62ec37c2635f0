package dev.multiproc.systemtests.process;

import dev.multiproc.Connection;
import dev.multiproc.ConnectionClosedException;
import dev.multiproc.Context;
import dev.multiproc.ContextOptions;
import dev.multiproc.IpcEvent;
import dev.multiproc.IpcLock;
import dev.multiproc.IpcProcess;
import dev.multiproc.IpcQueue;
import dev.multiproc.Multiproc;
import dev.multiproc.Pipe;
import dev.multiproc.RemoteException;
import dev.multiproc.systemtests.LeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A child JVM runs its target, knows who it is, and ends with Python's exit codes. */
@ExtendWith(LeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProcessLifecycleTest {
    @TempDir
    Path tmp;

    @Test
    void targetRunsInAChildThatKnowsItsNameAndParent() throws Exception {
        String out = tmp.resolve("identity.txt").toString();
        try (Context ctx = Multiproc.context("pipe")) {
            IpcProcess p = ctx.process("worker-a", () -> Files.writeString(Path.of(out),
                    Multiproc.currentProcess().name() + "|" + Multiproc.currentProcess().pid() + "|"
                            + Multiproc.parentProcess().orElseThrow().name() + "|"
                            + Multiproc.parentProcess().orElseThrow().pid())).start();
            p.join();
            assertThat(p.exitCode()).isEqualTo(OptionalInt.of(0));
            assertThat(p.failure()).isEmpty();
            assertThat(Files.readString(Path.of(out))).isEqualTo("worker-a|" + p.pid() + "|MainProcess|"
                    + ProcessHandle.current().pid());
        }
    }

    @Test
    void namesDefaultToProcessN() {
        try (Context ctx = Multiproc.context("pipe")) {
            IpcProcess a = ctx.process(() -> { });
            IpcProcess b = ctx.process(() -> { });
            assertThat(a.name()).matches("Process-\\d+");
            int n = Integer.parseInt(a.name().substring("Process-".length()));
            assertThat(b.name()).isEqualTo("Process-" + (n + 1));
            assertThat(Multiproc.currentProcess().name()).isEqualTo("MainProcess");
            assertThat(Multiproc.parentProcess()).isEmpty();
        }
    }

    @Test
    void capturedValuesReachTheChild() throws Exception {
        String out = tmp.resolve("captured.txt").toString();
        String greeting = "hello from the parent";
        int[] numbers = {3, 1, 4, 1, 5};
        try (Context ctx = Multiproc.context("pipe")) {
            IpcProcess p = ctx.process(() -> {
                int sum = 0;
                for (int x : numbers) {
                    sum += x;
                }
                Files.writeString(Path.of(out), greeting + " " + numbers.length + " " + sum);
            }).start();
            p.join();
            assertThat(p.exitCode()).isEqualTo(OptionalInt.of(0));
            assertThat(Files.readString(Path.of(out))).isEqualTo("hello from the parent 5 14");
        }
    }

    @Test
    void capturedPipeEndReattachesInTheChild() throws Exception {
        try (Context ctx = Multiproc.context("pipe")) {
            Pipe pipe = ctx.pipe();
            Connection here = pipe.left();
            Connection there = pipe.right();
            IpcProcess echo = ctx.process("echo", () -> {
                for (String s; !(s = there.<String>recv()).equals("bye"); ) {
                    there.send(s.toUpperCase() + " from " + Multiproc.currentProcess().name());
                }
            }).start();
            here.send("hello");
            assertThat(here.<String>recv()).isEqualTo("HELLO from echo");
            here.send("bye");
            echo.join();
            assertThat(echo.exitCode()).isEqualTo(OptionalInt.of(0));
        }
    }

    @Test
    void daemonFlagDefaultsToTheCreatorsAndReachesTheChild() throws Exception {
        try (Context ctx = Multiproc.context("pipe")) {
            Pipe pipe = ctx.pipe(false);
            Connection results = pipe.left();
            Connection out = pipe.right();
            IpcProcess p = ctx.process(() -> {
                Context inner = Multiproc.context("pipe");
                IpcProcess grandchild = inner.process(() -> { });
                out.send(Multiproc.currentProcess().isDaemon() + " " + grandchild.isDaemon() + " "
                        + Multiproc.parentProcess().orElseThrow().isDaemon());
                inner.close();
            });
            assertThat(p.isDaemon()).isFalse();
            p.setDaemon(true);
            p.start();
            assertThat(results.<String>recv()).isEqualTo("true true false");
            p.join();
            assertThat(p.exitCode()).isEqualTo(OptionalInt.of(0));
        }
    }

    @Test
    void uncaughtExceptionExitsWithOneAndIsReported() throws Exception {
        try (Context ctx = Multiproc.context("pipe")) {
            IpcProcess p = ctx.process("thrower", () -> {
                throw new IllegalArgumentException("bad input 42");
            }).start();
            assertThat(p.join(Duration.ofSeconds(30))).isTrue();
            assertThat(p.exitCode()).isEqualTo(OptionalInt.of(1));
            RemoteException failure = p.failure().orElseThrow();
            assertThat(failure.remoteClassName()).isEqualTo(IllegalArgumentException.class.getName());
            assertThat(failure.remoteMessage()).isEqualTo("bad input 42");
            assertThat(failure.processName()).isEqualTo("thrower");
            assertThat(failure.pid()).isEqualTo(p.pid());
            assertThat(failure.getCause()).isInstanceOf(IllegalArgumentException.class).hasMessage("bad input 42");
            assertThat(failure.getCause().getStackTrace()).isNotEmpty();
        }
    }

    /** @return options whose children's JVM exits at once, before it runs anything */
    private static ContextOptions childrenThatCannotStart() {
        return ContextOptions.builder().transport("pipe")
                .setting("multiproc.jvmOptions", "-XX:+NoSuchOptionInThisJvm").build();
    }

    @Test
    void aJvmThatCannotStartIsReportedAndThePipeEndItWasGivenCloses() throws Exception {
        try (Context ctx = Multiproc.context(childrenThatCannotStart())) {
            Pipe pipe = ctx.pipe();
            Connection here = pipe.left();
            Connection there = pipe.right();
            IpcProcess p = ctx.process("never-runs", () -> there.send("unreachable")).start();
            assertThat(p.join(Duration.ofSeconds(30))).isTrue();
            assertThat(p.exitCode()).isEqualTo(OptionalInt.of(1));
            assertThat(p.failure()).hasValueSatisfying(f -> assertThat(f.getMessage())
                    .contains("never-runs", "exited with 1 before it ran its target", "NoSuchOptionInThisJvm"));
            assertThat(here.poll(Duration.ofSeconds(10))).isTrue(); // end of stream, not a message
            assertThatThrownBy(here::recv).isInstanceOf(ConnectionClosedException.class);
            assertThat(there.isClosed()).isTrue();
        }
    }

    @Test
    void anEndTheParentUsedItselfStaysOpenWhenTheChildCannotStart() throws Exception {
        try (Context ctx = Multiproc.context(childrenThatCannotStart())) {
            Pipe pipe = ctx.pipe();
            Connection here = pipe.left();
            Connection there = pipe.right();
            there.send("sent here first");
            IpcProcess p = ctx.process("never-runs", () -> there.send("unreachable")).start();
            assertThat(p.join(Duration.ofSeconds(30))).isTrue();
            assertThat(there.isClosed()).isFalse();
            assertThat(here.<String>recv()).isEqualTo("sent here first");
        }
    }

    @Test
    void systemExitCodeIsTheExitCode() throws Exception {
        try (Context ctx = Multiproc.context("pipe")) {
            IpcProcess p = ctx.process(() -> System.exit(7)).start();
            p.join();
            assertThat(p.exitCode()).isEqualTo(OptionalInt.of(7));
            assertThat(p.failure()).isEmpty();
        }
    }

    @Test
    void terminateGivesMinus15AndKillMinus9() throws Exception {
        try (Context ctx = Multiproc.context("pipe")) {
            IpcProcess terminated = ctx.process(ProcessLifecycleTest::sleepLong).start();
            IpcProcess killed = ctx.process(ProcessLifecycleTest::sleepLong).start();
            terminated.terminate();
            killed.kill();
            terminated.join();
            killed.join();
            assertThat(terminated.exitCode()).isEqualTo(OptionalInt.of(-15));
            assertThat(killed.exitCode()).isEqualTo(OptionalInt.of(-9));
        }
    }

    @Test
    void terminateGivesMinus15WhileTheTargetRunsEvenIfItUsedAQueueAndALock() throws Exception {
        try (Context ctx = Multiproc.context("pipe")) {
            IpcEvent sleeping = ctx.event();
            IpcEvent working = ctx.event();
            IpcQueue<String> queue = ctx.queue();
            IpcLock lock = ctx.lock();
            IpcProcess plain = ctx.process(() -> {
                sleeping.set();
                sleepLong();
            }).start();
            IpcProcess user = ctx.process(() -> {
                queue.put("from the child");
                lock.lock();
                lock.unlock();
                working.set();
                sleepLong();
            }).start();
            assertThat(sleeping.await(Duration.ofSeconds(30))).isTrue();
            assertThat(working.await(Duration.ofSeconds(30))).isTrue();
            assertThat(queue.take()).isEqualTo("from the child");
            plain.terminate();
            user.terminate();
            assertThat(plain.join(Duration.ofSeconds(30))).isTrue();
            assertThat(user.join(Duration.ofSeconds(30))).isTrue();
            assertThat(plain.exitCode()).isEqualTo(OptionalInt.of(-15));
            assertThat(user.exitCode()).isEqualTo(OptionalInt.of(-15));
        }
    }

    @Test
    void aChildWaitsForTheNonDaemonThreadsItsTargetLeftRunning() throws Exception {
        try (Context ctx = Multiproc.context("pipe")) {
            IpcEvent returned = ctx.event();
            IpcEvent go = ctx.event();
            IpcEvent done = ctx.event();
            IpcProcess p = ctx.process(() -> {
                Thread.ofPlatform().daemon(false).start(() -> {
                    try {
                        go.await();
                        done.set();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                returned.set();
            }).start();
            assertThat(returned.await(Duration.ofSeconds(30))).isTrue();
            assertThat(p.join(Duration.ofMillis(300))).as("still running its thread").isFalse();
            go.set();
            assertThat(p.join(Duration.ofSeconds(30))).isTrue();
            assertThat(done.isSet()).isTrue();
            assertThat(p.exitCode()).isEqualTo(OptionalInt.of(0));
        }
    }

    @Test
    void joinWithTimeoutOnASleepingChild() throws Exception {
        try (Context ctx = Multiproc.context("pipe")) {
            IpcProcess p = ctx.process(ProcessLifecycleTest::sleepLong).start();
            assertThat(p.join(Duration.ofMillis(300))).isFalse();
            assertThat(p.join(Duration.ZERO)).isFalse();
            assertThat(p.isAlive()).isTrue();
            assertThat(p.exitCode()).isEmpty();
            p.kill();
            assertThat(p.join(Duration.ofSeconds(30))).isTrue();
            assertThat(p.isAlive()).isFalse();
            assertThat(p.exitCode()).isEqualTo(OptionalInt.of(-9));
        }
    }

    @Test
    void pidIsAliveAndOnExit() throws Exception {
        try (Context ctx = Multiproc.context("pipe")) {
            IpcProcess p = ctx.process(ProcessLifecycleTest::sleepLong);
            assertThat(p.isAlive()).isFalse();
            assertThat(p.exitCode()).isEmpty();
            assertThatThrownBy(p::pid).isInstanceOf(IllegalStateException.class).hasMessageContaining(p.name());
            assertThatThrownBy(p::join).isInstanceOf(IllegalStateException.class);
            p.setDaemon(true);
            p.start();
            assertThat(p.isDaemon()).isTrue();
            assertThatThrownBy(p::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("already started");
            assertThatThrownBy(() -> p.setDaemon(false)).isInstanceOf(IllegalStateException.class);
            assertThat(p.pid()).isPositive();
            assertThat(ProcessHandle.of(p.pid())).isPresent();
            assertThat(p.isAlive()).isTrue();
            assertThat(Multiproc.activeChildren()).contains(p);
            var exited = p.onExit();
            assertThat(exited).isNotDone();
            p.terminate();
            assertThat(exited.get(30, TimeUnit.SECONDS)).isSameAs(p);
            assertThat(p.exitCode()).isEqualTo(OptionalInt.of(-15));
            assertThat(Multiproc.activeChildren()).doesNotContain(p);
        }
    }

    @Test
    void twentyChildrenAtOnce() throws Exception {
        // Lean child JVMs (one GC thread, no C2): 20 start-ups share 2 CPUs with everything else.
        String previous = System.getProperty("multiproc.jvmOptions");
        System.setProperty("multiproc.jvmOptions", "-XX:+UseSerialGC -XX:TieredStopAtLevel=1");
        try (Context ctx = Multiproc.context("pipe")) {
            List<IpcProcess> children = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                int code = i;
                children.add(ctx.process(() -> System.exit(code)).start());
            }
            assertThat(children.stream().map(IpcProcess::pid).distinct()).hasSize(20);
            for (int i = 0; i < 20; i++) {
                assertThat(children.get(i).join(Duration.ofSeconds(50))).isTrue();
                assertThat(children.get(i).exitCode()).isEqualTo(OptionalInt.of(i));
            }
        } finally {
            if (previous == null) {
                System.clearProperty("multiproc.jvmOptions");
            } else {
                System.setProperty("multiproc.jvmOptions", previous);
            }
        }
    }

    /** A child's target that runs until the test stops it: work, not synchronization. */
    static void sleepLong() throws InterruptedException {
        Thread.sleep(Duration.ofMinutes(5));
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }
}
