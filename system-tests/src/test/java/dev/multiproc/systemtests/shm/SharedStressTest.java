package dev.multiproc.systemtests.shm;

import dev.multiproc.Context;
import dev.multiproc.IpcProcess;
import dev.multiproc.Multiproc;
import dev.multiproc.SharedInt;
import dev.multiproc.SharedLong;
import dev.multiproc.systemtests.LeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Four processes hammer one value: under its lock and with atomic increments; totals are exact. */
@ExtendWith(LeakCheck.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SharedStressTest {
    private static final int PROCESSES = 4;
    private static final int INCREMENTS = 250_000;

    @Test
    void fourProcessesIncrementExactlyUnderLockAndAtomically() throws Exception {
        try (Context ctx = Multiproc.context("pipe")) {
            SharedLong locked = ctx.sharedLong(0);
            SharedInt atomic = ctx.sharedInt(0);
            List<IpcProcess> ps = new ArrayList<>();
            for (int p = 0; p < PROCESSES; p++) {
                ps.add(ctx.process(() -> {
                    for (int i = 0; i < INCREMENTS; i++) {
                        try (var held = locked.lock().acquire()) {
                            locked.set(locked.get() + 1); // read-modify-write: only the lock makes it exact
                        }
                        atomic.incrementAndGet();
                    }
                }).start());
            }
            for (IpcProcess p : ps) {
                assertThat(p.join(Duration.ofSeconds(150))).isTrue();
                assertThat(p.exitCode()).as("failure: %s", p.failure()).isEqualTo(OptionalInt.of(0));
            }
            assertThat(locked.get()).isEqualTo((long) PROCESSES * INCREMENTS);
            assertThat(atomic.get()).isEqualTo(PROCESSES * INCREMENTS);
            assertThat(locked.lock().isLocked()).isFalse();
        }
    }
}
