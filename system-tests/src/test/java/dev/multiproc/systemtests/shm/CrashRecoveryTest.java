package dev.multiproc.systemtests.shm;

import dev.multiproc.Context;
import dev.multiproc.IpcEvent;
import dev.multiproc.IpcLock;
import dev.multiproc.IpcProcess;
import dev.multiproc.IpcQueue;
import dev.multiproc.Multiproc;
import dev.multiproc.SharedInt;
import dev.multiproc.SharedMemory;
import dev.multiproc.spi.ContextSettings;
import dev.multiproc.systemtests.LeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Processes die at the worst moment: holding a lock, or owning segments. Nothing stays stuck or behind. */
@ExtendWith(LeakCheck.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CrashRecoveryTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @Test
    void aLockWhoseHolderIsKilledIsAcquiredWithin100MsAndAWarningIsLogged() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        System.setErr(new PrintStream(new TeeStream(stderr, log), true, StandardCharsets.UTF_8));
        try (Context ctx = Multiproc.context("pipe")) {
            IpcLock lock = ctx.lock();
            IpcEvent held = ctx.event();
            IpcProcess holder = ctx.process("holder", () -> {
                lock.lock();
                held.set();
                Thread.sleep(Long.MAX_VALUE); // killed while holding the lock
            }).start();
            assertThat(held.await(WAIT)).isTrue();
            // another process (this one) is already waiting when the holder dies
            CompletableFuture<Long> acquiredAt = CompletableFuture.supplyAsync(() -> {
                lock.lock();
                long at = System.nanoTime();
                lock.unlock();
                return at;
            }, r -> Thread.ofPlatform().daemon().name("acquirer").start(r));
            await().atMost(WAIT).until(() -> acquirerIsWaiting());
            holder.kill();
            assertThat(holder.join(WAIT)).isTrue();
            long deadAt = System.nanoTime(); // the kill has been reaped: the holder is gone by now
            long acquired = acquiredAt.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(Duration.ofNanos(acquired - deadAt)).isLessThan(Duration.ofMillis(100));
            assertThat(holder.exitCode().orElseThrow()).isEqualTo(-9);
            assertThat(log.toString(StandardCharsets.UTF_8))
                    .contains("WARN").contains("was held by process " + holder.pid()).contains("which died");
        } finally {
            System.setErr(stderr);
        }
    }

    private static boolean acquirerIsWaiting() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("acquirer") && t.getState() != Thread.State.NEW);
    }

    @Test
    void aKilledOwnersSegmentsAreGoneAfterTheNextContextCreation() throws Exception {
        Path names = tmp.resolve("names.txt");
        String namesFile = names.toString();
        Path shm = ContextSettings.process().shmDirectory();
        try (Context ctx = Multiproc.context("pipe")) {
            IpcProcess owner = ctx.process("segment-owner", () -> {
                Context own = Multiproc.context("pipe"); // never closed: the process is killed
                SharedInt value = own.sharedInt(7);
                SharedMemory block = own.sharedMemory(1 << 16);
                own.lock();
                own.barrier(2);
                Files.writeString(Path.of(namesFile + ".tmp"), value.toString() + "\n" + block.name());
                Files.move(Path.of(namesFile + ".tmp"), Path.of(namesFile));
                Thread.sleep(Long.MAX_VALUE);
            }).start();
            await().atMost(WAIT).until(() -> Files.exists(names));
            List<String> lines = Files.readAllLines(names);
            String valueFile = lines.get(0).substring("SharedInt[".length(), lines.get(0).length() - 1);
            String blockFile = lines.get(1);
            String ownerPrefix = ContextSettings.FILE_PREFIX + "shm-" + owner.pid() + "-";
            assertThat(shm.resolve(valueFile)).exists();
            assertThat(shm.resolve(blockFile)).exists();
            assertThat(ownedBy(shm, ownerPrefix)).hasSize(4);

            owner.kill();
            assertThat(owner.join(WAIT)).isTrue();
            assertThat(ownedBy(shm, ownerPrefix)).as("a SIGKILLed owner cleans nothing up").hasSize(4);

            try (Context next = Multiproc.context("pipe")) {
                next.sharedInt(0); // the first shared object of a context opens ipc-shm, which sweeps
                assertThat(ownedBy(shm, ownerPrefix)).isEmpty();
            }
        }
    }

    @Test
    void filesOfEveryKindLeftByAKilledProcessAreGoneOnceAContextOpens() throws Exception {
        Path names = tmp.resolve("names.txt");
        String namesFile = names.toString();
        ContextSettings settings = ContextSettings.process();
        try (Context ctx = Multiproc.context("pipe")) {
            IpcProcess owner = ctx.process("file-owner", () -> {
                Context own = Multiproc.context("pipe"); // never closed: the process is killed
                own.sharedInt(7);
                IpcQueue<String> queue = own.queue(); // its broker's socket file
                queue.put("x");
                Files.writeString(Path.of(namesFile + ".tmp"), "ready");
                Files.move(Path.of(namesFile + ".tmp"), Path.of(namesFile));
                Thread.sleep(Long.MAX_VALUE);
            }).start();
            await().atMost(WAIT).until(() -> Files.exists(names));
            String shmPrefix = ContextSettings.FILE_PREFIX + "shm-" + owner.pid() + "-";
            String queuePrefix = ContextSettings.FILE_PREFIX + "queue-" + owner.pid() + "-";
            Path segment = ownedBy(settings.shmDirectory(), shmPrefix).getFirst();
            String stamp = segment.getFileName().toString().split("-")[3]; // the owner's start stamp
            // kinds whose files this child did not happen to leave: named for the same dead owner
            Path journal = settings.shmDirectory().resolve(
                    ContextSettings.FILE_PREFIX + "qjournal-" + owner.pid() + "-" + stamp + "-1-0badcafe");
            Path control = settings.socketDirectory().resolve(
                    ContextSettings.FILE_PREFIX + "ctl-" + owner.pid() + "-" + stamp + "-1-0badcafe.sock");
            assertThat(ownedBy(settings.socketDirectory(), queuePrefix)).hasSize(1);

            owner.kill();
            assertThat(owner.join(WAIT)).isTrue();
            Files.writeString(journal, "");
            Files.writeString(control, "");
            assertThat(ownedBy(settings.shmDirectory(), shmPrefix)).as("a SIGKILLed owner cleans nothing up").isNotEmpty();
            assertThat(ownedBy(settings.socketDirectory(), queuePrefix)).hasSize(1);

            Multiproc.context("pipe").close(); // opening is enough
            assertThat(ownedBy(settings.shmDirectory(), shmPrefix)).isEmpty();
            assertThat(ownedBy(settings.socketDirectory(), queuePrefix)).isEmpty();
            assertThat(journal).doesNotExist();
            assertThat(control).doesNotExist();
        }
    }

    private static List<Path> ownedBy(Path dir, String prefix) throws Exception {
        try (var files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith(prefix)).toList();
        }
    }

    /** Copies everything written to two streams. */
    private static final class TeeStream extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        TeeStream(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public synchronized void write(int c) throws java.io.IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }
    }
}
