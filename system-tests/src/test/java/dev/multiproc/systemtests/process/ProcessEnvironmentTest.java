package dev.multiproc.systemtests.process;

import dev.multiproc.Context;
import dev.multiproc.IpcProcess;
import dev.multiproc.Multiproc;
import dev.multiproc.SerializationException;
import dev.multiproc.systemtests.LeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.PrintStream;
import java.io.Serial;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What surrounds a child: its output, its JVM options, its context, a target it cannot read. */
@ExtendWith(LeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProcessEnvironmentTest {
    @TempDir
    Path tmp;

    @Test
    void childStdoutAndStderrReachTheParent() throws Exception {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream capturedOut = new ByteArrayOutputStream();
        ByteArrayOutputStream capturedErr = new ByteArrayOutputStream();
        try (Context ctx = Multiproc.context("pipe")) {
            System.setOut(new PrintStream(capturedOut, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(capturedErr, true, StandardCharsets.UTF_8));
            IpcProcess talker = ctx.process("talker", () -> {
                System.out.println("to stdout: grüße");
                System.err.println("to stderr");
            }).start();
            IpcProcess thrower = ctx.process("thrower", () -> {
                throw new IllegalStateException("visible on stderr");
            }).start();
            talker.join();
            thrower.join();
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        assertThat(capturedOut.toString(StandardCharsets.UTF_8)).contains("to stdout: grüße");
        String errText = capturedErr.toString(StandardCharsets.UTF_8);
        assertThat(errText).contains("to stderr")
                .contains("Process thrower (pid ")
                .contains("java.lang.IllegalStateException: visible on stderr")
                .contains("at dev.multiproc.systemtests.process.ProcessEnvironmentTest");
    }

    @Test
    void targetThatCannotBeReadInTheChildFailsWithExitOne() throws Exception {
        Unreadable unreadable = new Unreadable();
        try (Context ctx = Multiproc.context("pipe")) {
            IpcProcess p = ctx.process("unreadable", () -> System.out.println(unreadable)).start();
            p.join();
            assertThat(p.exitCode()).isEqualTo(OptionalInt.of(1));
            var failure = p.failure().orElseThrow();
            assertThat(failure.remoteClassName()).isEqualTo(SerializationException.class.getName());
            assertThat(failure.remoteMessage()).contains("cannot read the target of process unreadable")
                    .contains("refuses to be read in another process");
        }
    }

    @Test
    void targetThatCannotBeSerializedFailsStart() {
        Object notSerializable = new Object();
        try (Context ctx = Multiproc.context("pipe")) {
            IpcProcess p = ctx.process(() -> System.out.println(notSerializable));
            assertThatThrownBy(p::start).isInstanceOf(SerializationException.class);
            assertThat(p.isAlive()).isFalse();
            assertThatThrownBy(p::pid).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void configuredJvmOptionsReachTheChild() throws Exception {
        String out = tmp.resolve("options.txt").toString();
        String previous = System.getProperty("multiproc.jvmOptions");
        System.setProperty("multiproc.jvmOptions", "-Dmultiproc.test.marker=42 -Xmx96m");
        try (Context ctx = Multiproc.context("pipe")) {
            IpcProcess p = ctx.process(() -> Files.writeString(Path.of(out), System.getProperty("multiproc.test.marker")
                    + " " + (Runtime.getRuntime().maxMemory() <= 96L << 20))).start();
            p.join();
            assertThat(p.exitCode()).isEqualTo(OptionalInt.of(0));
            assertThat(Path.of(out)).hasContent("42 true");
        } finally {
            if (previous == null) {
                System.clearProperty("multiproc.jvmOptions");
            } else {
                System.setProperty("multiproc.jvmOptions", previous);
            }
        }
    }

    @Test
    void contextCloseStopsTheChildrenItStarted() throws Exception {
        try (Context ctx = Multiproc.context("pipe"); Context second = Multiproc.context("pipe")) {
            IpcProcess sleeper = ctx.process(ProcessLifecycleTest::sleepLong).start();
            IpcProcess other = second.process(ProcessLifecycleTest::sleepLong).start();
            ctx.close();
            assertThat(sleeper.isAlive()).isFalse();
            assertThat(sleeper.exitCode()).isEqualTo(OptionalInt.of(-15));
            assertThat(other.isAlive()).as("a child of another context").isTrue();
            assertThatThrownBy(() -> ctx.process(() -> { }))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        }
    }

    @Test
    void startAfterTheContextClosedIsRefused() throws Exception {
        IpcProcess other;
        Context ctx = Multiproc.context("pipe");
        IpcProcess p = ctx.process(() -> { });
        ctx.close();
        assertThatThrownBy(p::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThat(Multiproc.activeChildren()).doesNotContain(p);
        try (Context second = Multiproc.context("pipe")) {
            other = second.process(ProcessLifecycleTest::sleepLong).start();
            assertThat(Multiproc.activeChildren()).contains(other);
        }
        assertThat(other.join(Duration.ZERO)).isTrue();
        assertThat(Multiproc.activeChildren()).doesNotContain(other);
    }

    /** Serializable, but refuses to be deserialized: the child cannot read a target capturing it. */
    static final class Unreadable implements Serializable {
        @Serial
        private static final long serialVersionUID = 1L;

        @Serial
        private void readObject(ObjectInputStream in) throws InvalidObjectException {
            throw new InvalidObjectException("refuses to be read in another process");
        }
    }
}
