package dev.multiproc.shm.internal.queue;

import dev.multiproc.FrameTooLargeException;
import dev.multiproc.IpcException;
import dev.multiproc.QueueClosedException;
import dev.multiproc.shm.internal.Segment;
import dev.multiproc.shm.internal.SegmentDescriptor;
import dev.multiproc.shm.internal.Segments;
import dev.multiproc.spi.wait.Deadline;
import dev.multiproc.spi.wait.WaitStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The slot protocol and the queue over it in this process, with the states a dead holder leaves
 * written into slots directly (cross-process kills: the system tests).
 */
@Timeout(60)
class SlotQueueTest {
    private static final WaitStrategy WAITS = new WaitStrategy(WaitStrategy.DEFAULT_SPIN_NANOS, WaitStrategy.DEFAULT_YIELD_NANOS);
    @TempDir
    Path dir;
    private final List<ShmByteQueue> queues = new ArrayList<>();

    @AfterEach
    void closeAll() {
        queues.forEach(ShmQueues::closeAsOwner);
    }

    private ShmByteQueue queue(int maxsize, boolean joinable) {
        ShmByteQueue q = ShmQueues.create(dir, maxsize, joinable, 1 << 20, WAITS);
        queues.add(q);
        return q;
    }

    private static byte[] item(int seed, int length) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** @return the pid of a process that has exited */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return p.pid();
    }

    private static SlotRing ring(ShmByteQueue q) {
        return new SlotRing(q.segment().body(), q.maxsize(), SlotQueueDescriptor.SLOT_SIZE);
    }

    @Test
    void itemsInlineAndOutOfLineComeOutWholeInOrderThroughManyLapsOfASmallRing() throws Exception {
        ShmByteQueue q = queue(3, false);
        int[] sizes = {1, 100, SlotQueueDescriptor.inlineBytes(SlotQueueDescriptor.SLOT_SIZE),
                SlotQueueDescriptor.inlineBytes(SlotQueueDescriptor.SLOT_SIZE) + 1, 5000, 1 << 20};
        int rounds = 50;
        CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> {
            try {
                for (int r = 0; r < rounds; r++) {
                    for (int i = 0; i < sizes.length; i++) {
                        q.put(item(r * 10 + i, sizes[i]));
                    }
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < sizes.length; i++) {
                assertThat(q.take(Deadline.after(Duration.ofSeconds(30)))).as("round %d, %d bytes", r, sizes[i])
                        .isEqualTo(item(r * 10 + i, sizes[i]));
            }
        }
        producer.get(30, TimeUnit.SECONDS);
        assertThat(q.size()).isZero();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).as("item files are removed once read")
                    .noneMatch(n -> n.contains("-item-"));
        }
    }

    @Test
    void fourProducersAndFourConsumersGetEveryItemOnceAndEachProducersInOrder() throws Exception {
        ShmByteQueue q = queue(16, false);
        int perProducer = 20_000;
        ExecutorService threads = Executors.newFixedThreadPool(8); // the common pool may have a single thread here
        List<CompletableFuture<Void>> producers = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
            int id = p;
            producers.add(CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < perProducer; i++) {
                        q.put(new byte[]{(byte) id, (byte) (i >> 16), (byte) (i >> 8), (byte) i});
                    }
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, threads));
        }
        ConcurrentHashMap<Integer, Boolean> seen = new ConcurrentHashMap<>();
        List<CompletableFuture<Void>> consumers = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            consumers.add(CompletableFuture.runAsync(() -> {
                int[] last = {-1, -1, -1, -1};
                try {
                    for (int n = 0; n < perProducer; n++) {
                        byte[] b = q.take(Deadline.after(Duration.ofSeconds(30)));
                        int id = b[0];
                        int i = ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
                        assertThat(i).as("producer %d's items arrive in its order", id).isGreaterThan(last[id]);
                        last[id] = i;
                        assertThat(seen.put(id * perProducer + i, true)).as("item taken twice").isNull();
                    }
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, threads));
        }
        threads.shutdown();
        CompletableFuture.allOf(producers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        CompletableFuture.allOf(consumers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        assertThat(seen).hasSize(4 * perProducer);
        assertThat(q.take(Deadline.now())).isNull();
    }

    @Test
    void aSlotWhoseProducerDiedWhileWritingIsSkippedAndItsCountTakenBack() throws Exception {
        ShmByteQueue q = queue(4, true);
        q.put(item(1, 10));
        SlotRing ring = ring(q);
        long p = ring.claimForWrite(); // as if another producer claimed, counted, and died
        int dead = SlotWord.holder(deadPid(), 1);
        MemorySegment body = q.segment().body();
        body.set(ValueLayout.JAVA_LONG, SlotQueueDescriptor.UNFINISHED_OFFSET, 2L);
        body.set(ValueLayout.JAVA_INT, ring.slotOffset(p) + SlotQueueDescriptor.SLOT_FLAGS_OFFSET, SlotQueueDescriptor.COUNTED);
        body.set(ValueLayout.JAVA_LONG, ring.slotOffset(p), SlotWord.of(p, SlotWord.WRITING, dead));
        q.put(item(3, 10));

        assertThat(q.take(Deadline.now())).isEqualTo(item(1, 10));
        long t0 = System.nanoTime();
        assertThat(q.take(Deadline.after(Duration.ofSeconds(5)))).as("the item after the dead producer's slot")
                .isEqualTo(item(3, 10));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("recovered within a second").isLessThan(1000);
        assertThat(body.get(ValueLayout.JAVA_LONG, SlotQueueDescriptor.UNFINISHED_OFFSET))
                .as("three counted, the dead producer's taken back").isEqualTo(2L);
        q.taskDone();
        assertThat(q.join(Deadline.now())).isFalse();
        q.taskDone();
        assertThat(q.join(Deadline.now())).isTrue();
    }

    @Test
    void anItemWhoseConsumerDiedWhileReadingGoesToTheNextTaker() throws Exception {
        ShmByteQueue q = queue(4, false);
        q.put(item(1, 5000)); // out of line: the longest read
        q.put(item(2, 10));
        SlotRing ring = ring(q);
        long p = ring.claimForRead(); // as if another consumer claimed it and died while copying
        MemorySegment body = q.segment().body();
        body.set(ValueLayout.JAVA_LONG, ring.slotOffset(p), SlotWord.of(p, SlotWord.READING, SlotWord.holder(deadPid(), 1)));

        assertThat(q.take(Deadline.now())).isEqualTo(item(2, 10));
        assertThat(q.take(Deadline.after(Duration.ofSeconds(5)))).as("the dead consumer's item, delivered again")
                .isEqualTo(item(1, 5000));
        assertThat(q.take(Deadline.after(Duration.ofMillis(200)))).isNull();
        for (int i = 0; i < 4; i++) {
            assertThat(q.offer(item(i, 10), Deadline.now())).as("every slot is free again").isTrue();
        }
    }

    @Test
    void aSlotHeldByALiveProcessIsNeverRecovered() throws Exception {
        ShmByteQueue q = queue(2, false);
        SlotRing ring = ring(q);
        long writing = ring.claimForWrite(); // held by this process, which lives
        assertThat(ring.freeDeadWriters(flags -> {
        })).isZero();
        assertThat(q.take(Deadline.after(Duration.ofMillis(300)))).as("nothing to take while a live producer writes").isNull();
        ring.commit(writing, 0, 0);
        long reading = ring.claimForRead();
        assertThat(ring.salvage()).isEqualTo(SlotRing.NONE);
        ring.free(reading);
        assertThat(q.size()).isZero();
    }

    @Test
    void aCorruptLengthFailsTheTakeWithAClearErrorAndTheQueueGoesOn() throws Exception {
        ShmByteQueue q = queue(4, false);
        q.put(item(1, 10));
        q.put(item(2, 10));
        SlotRing ring = ring(q);
        q.segment().body().set(ValueLayout.JAVA_INT, ring.slotOffset(0) + SlotQueueDescriptor.SLOT_LENGTH_OFFSET, 1 << 30);
        assertThatThrownBy(() -> q.take(Deadline.now())).isInstanceOf(IpcException.class)
                .hasMessageContaining("corrupt").hasMessageContaining(Integer.toString(1 << 30));
        assertThat(q.take(Deadline.now())).isEqualTo(item(2, 10));
    }

    @Test
    void anItemOverTheLimitIsRefusedBeforeAnythingIsWritten() {
        ShmByteQueue q = queue(4, false);
        assertThatThrownBy(() -> q.put(new byte[(1 << 20) + 1])).isInstanceOf(FrameTooLargeException.class)
                .hasMessageContaining(Integer.toString((1 << 20) + 1));
        assertThat(q.size()).isZero();
    }

    @Test
    void aWaitingTakerSeesTheOwnersCloseAndAttachingAFileOfAnotherKindFails() throws Exception {
        ShmByteQueue q = ShmQueues.create(dir, 4, false, 1 << 20, WAITS);
        CompletableFuture<byte[]> blocked = CompletableFuture.supplyAsync(() -> {
            try {
                return q.take(Deadline.never());
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(q.take(Deadline.after(Duration.ofMillis(100)))).isNull(); // either way the close must reach the other taker
        ShmQueues.closeAsOwner(q);
        assertThatThrownBy(() -> blocked.get(10, TimeUnit.SECONDS)).cause().isInstanceOf(QueueClosedException.class)
                .hasMessageContaining("closed by its owner");
        assertThatThrownBy(() -> q.put(item(1, 1))).isInstanceOf(QueueClosedException.class);

        Segment pipe = Segments.create(dir.resolve("multiproc-test-pipe"), SegmentDescriptor.KIND_PIPE, 4096, WAITS);
        try {
            assertThatThrownBy(() -> Segments.attachPrivately(pipe.path(), SegmentDescriptor.KIND_QUEUE, WAITS))
                    .isInstanceOf(IpcException.class).hasMessageContaining("as a queue").hasMessageContaining("pipe");
        } finally {
            Segments.close(pipe);
        }
    }

    @Test
    void anInterruptedTakerStopsWaitingAndTakesNothing() throws Exception {
        ShmByteQueue q = queue(4, false);
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread taker = new Thread(() -> {
            try {
                q.take(Deadline.never());
                outcome.complete(null);
            } catch (Throwable t) {
                outcome.complete(t);
            }
        });
        taker.start();
        assertThat(q.take(Deadline.after(Duration.ofMillis(100)))).isNull();
        taker.interrupt();
        assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
        q.put(item(1, 3));
        assertThat(q.size()).isEqualTo(1);
    }
}
