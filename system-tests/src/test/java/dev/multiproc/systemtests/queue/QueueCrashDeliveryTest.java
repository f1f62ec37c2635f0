package dev.multiproc.systemtests.queue;

import dev.multiproc.Context;
import dev.multiproc.IpcProcess;
import dev.multiproc.IpcQueue;
import dev.multiproc.Multiproc;
import dev.multiproc.SharedIntArray;
import dev.multiproc.SharedLong;
import dev.multiproc.systemtests.LeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Producers and consumers of a queue are killed with SIGKILL while they work (real child JVMs).
 * A {@code put()} that returned is never lost, and no item reaches two consumers' code. Each child
 * records in shared memory what returned to it, at once after the call returned; a kill can land
 * between the return and that record, so the parent allows one unrecorded call per kill.
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class QueueCrashDeliveryTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int ROUNDS = 4;

    @Test
    void aPutThatReturnedSurvivesItsProducersSigkill() throws Exception {
        try (Context ctx = Multiproc.context("pipe")) {
            for (int round = 0; round < ROUNDS; round++) {
                IpcQueue<Long> queue = ctx.queue();
                SharedLong lastReturned = ctx.sharedLong(-1);
                IpcProcess producer = ctx.process("producer-" + round, () -> {
                    for (long i = 0; ; i++) {
                        queue.put(i);
                        lastReturned.set(i); // after put returned
                    }
                }).start();
                long killAt = 2_000 + 3_000L * round;
                await().atMost(WAIT).until(() -> lastReturned.get() >= killAt);
                producer.kill();
                assertThat(producer.join(WAIT)).isTrue();
                assertThat(producer.exitCode().orElseThrow()).isEqualTo(-9);
                long last = lastReturned.get();

                for (long i = 0; i <= last; i++) {
                    Long item = queue.poll(WAIT);
                    assertThat(item).as("round %d: item %d of %d whose put returned", round, i, last).isEqualTo(i);
                }
                Long extra = queue.poll(Duration.ofMillis(200)); // the put under way when the kill came, if it got in
                if (extra != null) {
                    assertThat(extra).isEqualTo(last + 1);
                    assertThat(queue.poll()).isNull();
                }
                queue.close();
            }
        }
    }

    @Test
    void anItemTakenByAConsumerThatIsKilledReachesNoOtherConsumer() throws Exception {
        int items = 30_000;
        int kills = 3;
        try (Context ctx = Multiproc.context("pipe")) {
            IpcQueue<Integer> queue = ctx.queue();
            SharedIntArray takes = ctx.sharedIntArray(items);
            SharedLong taken = ctx.sharedLong(0);
            for (int i = 0; i < items; i++) {
                queue.put(i);
            }
            // a lone consumer is sent items ahead and acknowledges them in batches: the hardest case
            IpcProcess consumer = consumer(ctx, "consumer-0", queue, takes, taken);
            for (int k = 0; k < kills; k++) {
                long killAt = (long) items * (k + 1) / (kills + 2);
                await().atMost(WAIT).until(() -> taken.get() >= killAt);
                consumer.kill();
                assertThat(consumer.join(WAIT)).isTrue();
                assertThat(consumer.exitCode().orElseThrow()).isEqualTo(-9);
                consumer = consumer(ctx, "consumer-" + (k + 1), queue, takes, taken);
            }
            assertThat(consumer.join(WAIT.multipliedBy(2))).isTrue();
            assertThat(consumer.exitCode().orElseThrow()).isZero();
            assertThat(queue.poll()).isNull();

            int missing = 0;
            List<Integer> twice = new ArrayList<>();
            for (int i = 0; i < items; i++) {
                int n = takes.get(i);
                if (n == 0) {
                    missing++;
                } else if (n > 1) {
                    twice.add(i);
                }
            }
            assertThat(twice).as("items taken by two consumers").isEmpty();
            assertThat(missing).as("items a killed consumer took and could not record").isLessThanOrEqualTo(kills);
        }
    }

    /** Takes until the queue stays empty for a second, recording every item taken. */
    private static IpcProcess consumer(Context ctx, String name, IpcQueue<Integer> queue, SharedIntArray takes,
                                       SharedLong taken) {
        return ctx.process(name, () -> {
            Integer item;
            while ((item = queue.poll(Duration.ofSeconds(1))) != null) {
                takes.addAndGet(item, 1); // after take returned
                taken.incrementAndGet();
            }
        }).start();
    }
}
