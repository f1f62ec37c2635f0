package dev.multiproc.shm.internal;

import dev.multiproc.IpcBarrier;
import dev.multiproc.IpcCondition;
import dev.multiproc.IpcEvent;
import dev.multiproc.IpcLock;
import dev.multiproc.IpcSemaphore;
import dev.multiproc.spi.ContextSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Without futex (forced with -Dmultiproc.shm.futex=false), every primitive still works, by polling. */
@Timeout(60)
class FutexFallbackTest {

    @Test
    void primitivesWorkWithThePollingFallback() throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--enable-native-access") || a.startsWith("--sun-misc")).toList());
        cmd.add("-D" + Futex.FUTEX_PROPERTY + "=false");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Probe.class.getName());
        Path log = Files.createTempFile("fallback-probe", ".log");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean exited = p.waitFor(40, TimeUnit.SECONDS);
            if (!exited) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            assertThat(exited).as("probe finished in time; output: %s", out).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).contains("fallback ok");
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** Runs in a JVM without futex. */
    public static final class Probe {
        private Probe() {
        }

        /**
         * @param args unused
         * @throws Exception on failure (non-zero exit)
         */
        public static void main(String[] args) throws Exception {
            if (Futex.isNative()) {
                throw new AssertionError("futex should be disabled by " + Futex.FUTEX_PROPERTY);
            }
            try (ShmSharedObjects shared = new ShmSharedObjects(ContextSettings.process().shmDirectory())) {
                IpcLock lock = shared.lock();
                IpcCondition cond = lock.newCondition();
                IpcSemaphore sem = shared.semaphore(0, false);
                IpcEvent ping = shared.event();
                IpcEvent pong = shared.event();
                IpcBarrier barrier = shared.barrier(2);
                long[] counter = new long[1];
                IpcEvent mainWaits = shared.event();
                Thread other = Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < 200; i++) {
                            ping.await();
                            ping.clear();
                            pong.set();
                        }
                        for (int i = 0; i < 20_000; i++) {
                            lock.lock();
                            counter[0]++;
                            lock.unlock();
                        }
                        barrier.await();
                        mainWaits.await();
                        lock.lock(); // granted once main's condition wait releases it
                        cond.signal();
                        lock.unlock();
                        sem.release();
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                for (int i = 0; i < 200; i++) {
                    ping.set();
                    if (!pong.await(Duration.ofSeconds(5))) {
                        throw new AssertionError("no pong " + i);
                    }
                    pong.clear();
                }
                for (int i = 0; i < 20_000; i++) {
                    lock.lock();
                    counter[0]++;
                    lock.unlock();
                }
                barrier.await();
                lock.lock();
                mainWaits.set();
                boolean signalled = cond.await(5, TimeUnit.SECONDS);
                lock.unlock();
                if (!signalled || !sem.tryAcquire(Duration.ofSeconds(5))) {
                    throw new AssertionError("condition or semaphore not signalled");
                }
                other.join();
                if (counter[0] != 40_000) {
                    throw new AssertionError("counter " + counter[0]);
                }
                long start = System.nanoTime();
                if (shared.event().await(Duration.ofMillis(100))) {
                    throw new AssertionError("timed wait of a clear event returned true");
                }
                long ms = (System.nanoTime() - start) / 1_000_000;
                if (ms < 95 || ms > 2000) {
                    throw new AssertionError("timed wait took " + ms + " ms");
                }
            }
            System.out.println("fallback ok");
        }
    }
}
