package dev.multiproc.systemtests.queue;

import dev.multiproc.Context;
import dev.multiproc.IpcProcess;
import dev.multiproc.IpcQueue;
import dev.multiproc.JoinableQueue;
import dev.multiproc.Multiproc;
import dev.multiproc.QueueClosedException;
import dev.multiproc.SerializationException;
import dev.multiproc.systemtests.LeakCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The contract of {@link IpcQueue} and {@link JoinableQueue}, with real child JVMs, through the
 * public API only. Each transport runs it by naming itself in a subclass.
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class QueueContract {
    /** How long any single wait in these tests may take before the test fails. */
    protected static final Duration DEADLINE = Duration.ofSeconds(60);

    /** @return the transport under test */
    protected abstract String transport();

    /** The context of the test's main process. */
    protected Context ctx;

    @BeforeEach
    void openContext() {
        ctx = Multiproc.context(transport());
    }

    @AfterEach
    void closeContext() {
        ctx.close();
    }

    private static void joinOk(IpcProcess p) throws InterruptedException {
        assertThat(p.join(DEADLINE)).as("%s exited in time", p.name()).isTrue();
        assertThat(p.exitCode()).as("exit code of %s (failure: %s)", p.name(), p.failure()).isEqualTo(OptionalInt.of(0));
    }

    private static <T> T next(IpcQueue<T> q) throws InterruptedException {
        T item = q.poll(DEADLINE);
        assertThat(item).as("an item within %s", DEADLINE).isNotNull();
        return item;
    }

    @Test
    void fourProducersAndFourConsumersGetEveryItemExactlyOnceInEachProducersOrder() throws Exception {
        int producers = 4;
        int consumers = 4;
        int perProducer = 10_000;
        IpcQueue<Long> q = ctx.queue();
        IpcQueue<long[]> results = ctx.queue();
        List<IpcProcess> consumerProcs = new ArrayList<>();
        for (int c = 0; c < consumers; c++) {
            consumerProcs.add(ctx.process("consumer-" + c, () -> {
                long[] got = new long[producers * perProducer];
                int n = 0;
                for (long v = q.take(); v >= 0; v = q.take()) {
                    got[n++] = v;
                }
                results.put(Arrays.copyOf(got, n));
            }).start());
        }
        List<IpcProcess> producerProcs = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            long base = p * 1_000_000L;
            producerProcs.add(ctx.process("producer-" + p, () -> {
                for (int i = 0; i < perProducer; i++) {
                    q.put(base + i);
                }
            }).start());
        }
        for (IpcProcess p : producerProcs) {
            joinOk(p); // a producer's puts are all in the queue once it has exited
        }
        for (int c = 0; c < consumers; c++) {
            q.put(-1L);
        }
        int[] count = new int[producers * perProducer];
        int total = 0;
        for (int c = 0; c < consumers; c++) {
            long[] got = next(results);
            long[] last = new long[producers];
            Arrays.fill(last, -1);
            for (long v : got) {
                int producer = (int) (v / 1_000_000L);
                int seq = (int) (v % 1_000_000L);
                assertThat(seq).as("producer %d's items arrive in order at one consumer", producer)
                        .isGreaterThan((int) last[producer]);
                last[producer] = seq;
                count[producer * perProducer + seq]++;
                total++;
            }
        }
        assertThat(total).isEqualTo(producers * perProducer);
        assertThat(Arrays.stream(count).allMatch(k -> k == 1)).as("every item exactly once").isTrue();
        for (IpcProcess p : consumerProcs) {
            joinOk(p);
        }
        assertThat(q.isEmpty()).isTrue();
    }

    @Test
    void sizeIsExactInTheProducerAsSoonAsPutReturns() throws Exception {
        IpcQueue<Integer> q = ctx.queue();
        IpcQueue<String> results = ctx.queue();
        IpcProcess child = ctx.process(() -> {
            StringBuilder sizes = new StringBuilder();
            for (int i = 1; i <= 5; i++) {
                q.put(i);
                sizes.append(q.size()).append(q.isEmpty() ? "e" : "").append(' ');
            }
            results.put(sizes.toString().trim());
        }).start();
        assertThat(next(results)).isEqualTo("1 2 3 4 5");
        joinOk(child);
        assertThat(q.size()).isEqualTo(5);
        assertThat(q.take()).isEqualTo(1);
        assertThat(q.size()).isEqualTo(4);
    }

    @Test
    void aFullQueueHoldsBackTheProducerUntilItemsAreTaken() throws Exception {
        IpcQueue<Integer> q = ctx.queue(3);
        IpcQueue<Integer> progress = ctx.queue();
        IpcProcess producer = ctx.process(() -> {
            for (int i = 0; i < 10; i++) {
                q.put(i);
                progress.put(i);
            }
        }).start();
        for (int i = 0; i < 3; i++) {
            assertThat(next(progress)).isEqualTo(i);
        }
        assertThat(q.isFull()).isTrue();
        assertThat(q.size()).isEqualTo(3);
        // the fourth put stays blocked while nothing is taken
        assertThat(progress.poll(Duration.ofMillis(300))).isNull();
        assertThat(q.offer(99)).isFalse();
        for (int i = 0; i < 10; i++) {
            assertThat(next(q)).isEqualTo(i);
            if (i < 7) {
                assertThat(next(progress)).isEqualTo(i + 3);
            }
            assertThat(q.size()).isLessThanOrEqualTo(3);
        }
        joinOk(producer);
        assertThat(q.isEmpty()).isTrue();
    }

    @Test
    void timeoutsAreHonouredWithinAFewMilliseconds() throws Exception {
        IpcQueue<String> q = ctx.queue(1);
        IpcQueue<long[]> results = ctx.queue();
        IpcProcess child = ctx.process(() -> {
            q.isEmpty(); // first use connects and loads classes: keep that out of the timings
            long t0 = System.nanoTime();
            String none = q.poll();
            long t1 = System.nanoTime();
            String timedOut = q.poll(Duration.ofMillis(200));
            long t2 = System.nanoTime();
            results.put(new long[]{none == null ? 1 : 0, timedOut == null ? 1 : 0,
                    TimeUnit.NANOSECONDS.toMillis(t1 - t0), TimeUnit.NANOSECONDS.toMillis(t2 - t1)});
        }).start();
        long[] r = next(results);
        joinOk(child);
        assertThat(r[0]).as("poll() on an empty queue returns null").isEqualTo(1);
        assertThat(r[1]).as("poll(200 ms) on an empty queue returns null").isEqualTo(1);
        assertThat(r[2]).as("poll() returns at once (ms)").isLessThan(50);
        // "about": a few ms on an idle machine; the upper bound leaves room for a loaded CI host
        assertThat(r[3]).as("poll(200 ms) waits about 200 ms").isBetween(199L, 350L);

        assertThat(q.offer("a")).isTrue();
        long t0 = System.nanoTime();
        assertThat(q.offer("b")).isFalse();
        long t1 = System.nanoTime();
        assertThat(q.offer("b", Duration.ofMillis(200))).isFalse();
        long t2 = System.nanoTime();
        assertThat(TimeUnit.NANOSECONDS.toMillis(t1 - t0)).as("offer() on a full queue returns at once").isLessThan(50);
        assertThat(TimeUnit.NANOSECONDS.toMillis(t2 - t1)).as("offer(200 ms) waits about 200 ms").isBetween(199L, 350L);
        assertThat(q.offer("c", Duration.ZERO)).isFalse();
        assertThat(q.poll(Duration.ofMillis(200))).isEqualTo("a");
        assertThat(q.offer("d", Duration.ofMillis(200))).isTrue();
        assertThat(q.size()).isEqualTo(1);
    }

    @Test
    void aJoinableQueueWithFourWorkersJoinsOnceEveryTaskIsDone() throws Exception {
        JoinableQueue<Integer> tasks = ctx.joinableQueue();
        IpcQueue<Long> results = ctx.queue();
        int workers = 4;
        int count = 200;
        List<IpcProcess> procs = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            procs.add(ctx.process("worker-" + w, () -> {
                while (true) {
                    int task = tasks.take();
                    if (task < 0) {
                        tasks.taskDone();
                        return;
                    }
                    results.put((long) task * task);
                    tasks.taskDone();
                }
            }).start());
        }
        for (int i = 0; i < count; i++) {
            tasks.put(i);
        }
        assertThat(tasks.join(DEADLINE)).as("join() returns once all %d tasks are done", count).isTrue();
        // Each result was put before its taskDone(), but on another queue: its broker may apply
        // the put after join() returned (ordering holds per queue, not across queues), so the
        // results are taken with a deadline rather than counted at once.
        long sum = 0;
        for (int i = 0; i < count; i++) {
            sum += next(results);
        }
        long expected = 0;
        for (long i = 0; i < count; i++) {
            expected += i * i;
        }
        assertThat(sum).isEqualTo(expected);
        assertThat(results.poll()).as("no result twice").isNull();
        for (int w = 0; w < workers; w++) {
            tasks.put(-1);
        }
        tasks.join();
        for (IpcProcess p : procs) {
            joinOk(p);
        }
        assertThatThrownBy(tasks::taskDone).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("taskDone");
        assertThat(tasks.join(Duration.ZERO)).isTrue();
    }

    @Test
    void anUnserializableItemFailsThePutInTheCallerAndTheQueueStaysUsable() throws Exception {
        IpcQueue<Object> q = ctx.queue();
        IpcQueue<String> results = ctx.queue();
        IpcProcess child = ctx.process(() -> {
            try {
                q.put(new Object());
                results.put("put of an Object succeeded");
            } catch (SerializationException e) {
                results.put("SerializationException: " + e.getMessage());
            }
            q.put("after");
        }).start();
        assertThat(next(results)).startsWith("SerializationException").contains("java.lang.Object");
        joinOk(child);
        assertThat(q.size()).as("nothing was enqueued by the failed put").isEqualTo(1);
        assertThat(q.take()).isEqualTo("after");
        assertThatThrownBy(() -> q.offer(new Thread())).isInstanceOf(SerializationException.class);
        assertThat(q.isEmpty()).isTrue();
    }

    @Test
    void closeEndsOnlyTheClosingProcessesUse() throws Exception {
        IpcQueue<String> q = ctx.queue();
        IpcQueue<String> results = ctx.queue();
        IpcProcess child = ctx.process(() -> {
            q.put("from child");
            q.close();
            q.close(); // idempotent
            for (var op : List.<ThrowingRunnable>of(() -> q.put("x"), q::take, () -> q.poll(Duration.ofMillis(10)))) {
                try {
                    op.run();
                    results.put("no exception");
                } catch (QueueClosedException e) {
                    results.put("closed");
                }
            }
        }).start();
        for (int i = 0; i < 3; i++) {
            assertThat(next(results)).isEqualTo("closed");
        }
        joinOk(child);
        assertThat(q.take()).isEqualTo("from child");
        q.put("still open here");
        assertThat(q.take()).isEqualTo("still open here");
        q.close();
        assertThatThrownBy(() -> q.put("x")).isInstanceOf(QueueClosedException.class);
        assertThatThrownBy(q::take).isInstanceOf(QueueClosedException.class);
    }

    /** A step that may throw. */
    @FunctionalInterface
    interface ThrowingRunnable extends java.io.Serializable {
        void run() throws Exception;
    }

    @Test
    void aTakerBlockedWhenTheOwnerDiesGetsAClearException() throws Exception {
        IpcQueue<IpcQueue<String>> handles = ctx.queue();
        String transport = transport();
        // the owner is a child: it creates a queue, sends its handle back through another queue, and waits to be killed
        IpcProcess owner = ctx.process("owner", () -> {
            try (Context own = Multiproc.context(transport)) {
                IpcQueue<String> q = own.queue();
                q.put("first");
                handles.put(q);
                new CountDownLatch(1).await();
            }
        }).start();
        IpcQueue<String> q = next(handles);
        assertThat(q.take()).isEqualTo("first");
        CompletableFuture<String> blocked = CompletableFuture.supplyAsync(() -> {
            try {
                return q.take();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        owner.kill();
        assertThat(owner.join(DEADLINE)).isTrue();
        assertThatThrownBy(() -> blocked.get(DEADLINE.toSeconds(), TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause()
                .isInstanceOf(QueueClosedException.class)
                .hasMessageContaining(Long.toString(owner.pid()));
        assertThatThrownBy(() -> q.put("x")).isInstanceOf(QueueClosedException.class);
    }

    @Test
    void aConsumerKilledWhileBlockedInTakeLosesNoItem() throws Exception {
        IpcQueue<String> q = ctx.queue();
        IpcQueue<String> ready = ctx.queue();
        IpcProcess consumer = ctx.process("consumer", () -> {
            ready.put("ready");
            String item = q.take();
            ready.put("took " + item); // must not happen: it is killed first
        }).start();
        assertThat(next(ready)).isEqualTo("ready");
        consumer.kill();
        // put while the dying consumer may still be connected and waiting: the broker may send it these
        q.put("x");
        q.put("y");
        q.put("z");
        assertThat(consumer.join(DEADLINE)).isTrue();
        assertThat(consumer.exitCode()).isEqualTo(OptionalInt.of(-9));
        assertThat(next(q)).isEqualTo("x");
        assertThat(next(q)).isEqualTo("y");
        assertThat(next(q)).isEqualTo("z");
        assertThat(ready.poll()).isNull();
    }

    @Test
    void itemsAConsumerHeldButHadNotTakenComeBackWhenItIsKilled() throws Exception {
        IpcQueue<String> q = ctx.queue();
        IpcQueue<String> ready = ctx.queue();
        for (String s : List.of("a", "b", "c", "d")) {
            q.put(s);
        }
        IpcProcess consumer = ctx.process("consumer", () -> {
            String first = q.take();
            q.size(); // answered after this process's acknowledgement of the first item
            ready.put(first);
            new CountDownLatch(1).await();
        }).start();
        assertThat(next(ready)).isEqualTo("a");
        consumer.kill();
        assertThat(consumer.join(DEADLINE)).isTrue();
        assertThat(next(q)).isEqualTo("b");
        assertThat(next(q)).isEqualTo("c");
        assertThat(next(q)).isEqualTo("d");
        assertThat(q.isEmpty()).isTrue();
    }

    @Test
    void anIdleConsumerDoesNotStarveAnotherOne() throws Exception {
        IpcQueue<Integer> q = ctx.queue();
        IpcQueue<Integer> ready = ctx.queue();
        for (int i = 0; i < 100; i++) {
            q.put(i);
        }
        IpcProcess idle = ctx.process("idle-consumer", () -> {
            ready.put(q.take()); // takes one, then idles with the queue open
            new CountDownLatch(1).await();
        }).start();
        assertThat(next(ready)).isZero();
        for (int i = 1; i < 100; i++) {
            assertThat(next(q)).as("item %d, in order, while the other consumer idles", i).isEqualTo(i);
        }
        assertThat(q.poll()).isNull();
        idle.kill();
        assertThat(idle.join(DEADLINE)).isTrue();
        assertThat(q.isEmpty()).isTrue();
    }

    @Test
    void aQueueHandleTravelsThroughAnotherQueue() throws Exception {
        IpcQueue<String> inner = ctx.queue();
        IpcQueue<IpcQueue<String>> outer = ctx.queue();
        IpcProcess child = ctx.process(() -> {
            IpcQueue<String> received = outer.take();
            received.put("via a handle sent through a queue");
        }).start();
        outer.put(inner);
        assertThat(next(inner)).isEqualTo("via a handle sent through a queue");
        joinOk(child);
    }
}
