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

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

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
public abstract class QueueCrashContract {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int ROUNDS = 4;

    /** @return the transport under test */
    protected abstract String transport();

    @Test
    void aPutThatReturnedSurvivesItsProducersSigkill() throws Exception {
        try (Context ctx = Multiproc.context(transport())) {
            for (int round = 0; round < ROUNDS; round++) {
                IpcQueue<Long> queue = ctx.queue(20_000); // room for every item put before the kill
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
        try (Context ctx = Multiproc.context(transport())) {
            IpcQueue<Integer> queue = ctx.queue(items);
            SharedIntArray takes = ctx.sharedIntArray(items);
            SharedLong taken = ctx.sharedLong(0);
            for (int i = 0; i < items; i++) {
                queue.put(i);
            }
            // a lone consumer (which a broker sends items ahead, acknowledged in batches) is killed again and again
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

    @Test
    void producersAndConsumersKilledAtRandomMomentsNeverDeliverATornItem() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        int kills = 8;
        try (Context ctx = Multiproc.context(transport())) {
            IpcQueue<byte[]> queue = ctx.queue(64);
            SharedLong delivered = ctx.sharedLong(0);
            SharedLong torn = ctx.sharedLong(0);
            SharedLong stop = ctx.sharedLong(0);
            IpcProcess[] workers = new IpcProcess[4]; // 0, 1 produce; 2, 3 consume
            for (int w = 0; w < workers.length; w++) {
                workers[w] = worker(ctx, w, 0, queue, delivered, torn, stop);
            }
            long target = 0;
            for (int k = 0; k < kills; k++) {
                target += 200 + random.nextInt(400);
                long until = target;
                await().atMost(WAIT).until(() -> delivered.get() >= until);
                int victim = random.nextInt(workers.length);
                workers[victim].kill();
                assertThat(workers[victim].join(WAIT)).isTrue();
                assertThat(workers[victim].exitCode().orElseThrow()).as("seed %d", seed).isEqualTo(-9);
                workers[victim] = worker(ctx, victim, k + 1, queue, delivered, torn, stop);
            }
            stop.set(1);
            for (IpcProcess w : workers) {
                assertThat(w.join(WAIT)).as("%s stops (seed %d)", w.name(), seed).isTrue();
                assertThat(w.exitCode().orElseThrow()).as("%s exit (seed %d): %s", w.name(), seed, w.failure()).isZero();
            }
            assertThat(torn.get()).as("items delivered torn (seed %d)", seed).isZero();
            assertThat(delivered.get()).isGreaterThanOrEqualTo(target);
        }
    }

    /**
     * A producer puts items of 9 to 2,008 bytes (many too large for a slot of the shm queue),
     * each ending in the CRC-32 of the rest; a consumer checks every item it takes.
     */
    private static IpcProcess worker(Context ctx, int index, int generation, IpcQueue<byte[]> queue, SharedLong delivered,
                                     SharedLong torn, SharedLong stop) {
        boolean producer = index < 2;
        return ctx.process((producer ? "producer-" : "consumer-") + index + "." + generation, () -> {
            Random r = new Random();
            while (producer) {
                if (stop.get() != 0) {
                    return;
                }
                byte[] item = new byte[1 + r.nextInt(2000) + 8];
                r.nextBytes(item);
                CRC32 crc = new CRC32();
                crc.update(item, 0, item.length - 8);
                ByteBuffer.wrap(item).putLong(item.length - 8, crc.getValue());
                queue.offer(item, Duration.ofMillis(100));
            }
            while (true) {
                byte[] item = queue.poll(Duration.ofMillis(100));
                if (item == null) {
                    if (stop.get() != 0) {
                        return;
                    }
                    continue;
                }
                CRC32 crc = new CRC32();
                crc.update(item, 0, item.length - 8);
                if (item.length < 9 || ByteBuffer.wrap(item).getLong(item.length - 8) != crc.getValue()) {
                    torn.incrementAndGet();
                }
                delivered.incrementAndGet();
            }
        }).start();
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
