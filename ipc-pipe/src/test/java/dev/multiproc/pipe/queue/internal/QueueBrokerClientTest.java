package dev.multiproc.pipe.queue.internal;

import dev.multiproc.Context;
import dev.multiproc.IpcQueue;
import dev.multiproc.JoinableQueue;
import dev.multiproc.Multiproc;
import dev.multiproc.QueueClosedException;
import dev.multiproc.SerializationException;
import dev.multiproc.Serializer;
import dev.multiproc.spi.ContextSettings;
import dev.multiproc.spi.ProcessIdentity;
import dev.multiproc.spi.auth.HandshakeSteps;
import dev.multiproc.spi.auth.NioFrameLink;
import dev.multiproc.spi.broker.QueueClient;
import dev.multiproc.spi.broker.QueueDescriptor;
import dev.multiproc.spi.broker.QueueFrames;
import dev.multiproc.spi.broker.QueueRegistry;
import dev.multiproc.spi.queue.JoinableQueueHandle;
import dev.multiproc.spi.queue.QueueHandle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The broker and its clients over real Unix-domain sockets, in one JVM: each {@link QueueClient}
 * created here stands for one process (one connection), as it does in real use.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QueueBrokerClientTest {
    private static final UnixBrokerEndpoints ENDPOINTS = new UnixBrokerEndpoints(ContextSettings.process());
    private final Serializer serializer = Serializer.standard();
    private Context ctx;
    private final List<QueueClient> clients = new ArrayList<>();

    @BeforeEach
    void open() {
        ctx = Multiproc.context("pipe");
    }

    @AfterEach
    void close() {
        clients.forEach(QueueClient::close);
        ctx.close();
    }

    /** @return a handle over its own connection, as another process would have */
    private <E> IpcQueue<E> otherProcess(IpcQueue<?> queue) {
        QueueDescriptor d = descriptor(queue);
        QueueClient c = new QueueClient(d, ENDPOINTS);
        clients.add(c);
        return new QueueHandle<>(c, serializer);
    }

    private <E> JoinableQueue<E> otherProcess(JoinableQueue<?> queue) {
        QueueClient c = new QueueClient(descriptor(queue), ENDPOINTS);
        clients.add(c);
        return new JoinableQueueHandle<>(c, serializer);
    }

    private static QueueDescriptor descriptor(Object queue) {
        byte[] bytes = Serializer.standard().serialize(queue);
        Object back = Serializer.standard().deserialize(bytes);
        // the handle re-attached through the resolver: same queue, same process-wide client
        assertThat(back.getClass()).isEqualTo(queue.getClass());
        return QueueRegistry.client(queueDescriptorOf(back), ENDPOINTS).queue();
    }

    /** @return the descriptor inside a queue handle; the other tests of this package use it too */
    static QueueDescriptor queueDescriptorOf(Object handle) {
        try {
            var f = QueueHandle.class.getDeclaredField("queue");
            f.setAccessible(true);
            return ((QueueClient) f.get(handle)).queue();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void itemsGoThroughInOrderAndSizeIsExactAfterPut() throws Exception {
        IpcQueue<Object> q = ctx.queue(0);
        q.put("a");
        q.put(2);
        q.put(List.of(3L));
        assertThat(q.size()).isEqualTo(3);
        IpcQueue<Object> consumer = otherProcess(q);
        assertThat(consumer.take()).isEqualTo("a");
        assertThat(consumer.take()).isEqualTo(2);
        assertThat(consumer.size()).isEqualTo(1);
        assertThat(consumer.take()).isEqualTo(List.of(3L));
        // exact as seen by the caller after its own takes; another process's view follows once
        // the consumer's acknowledgements (sent within 1 ms) have reached the broker
        assertThat(consumer.isEmpty()).isTrue();
    }

    @Test
    void fourProducersAndFourConsumersDeliverEveryItemExactlyOnceInProducerOrder() throws Exception {
        IpcQueue<int[]> q = ctx.queue(0);
        int producers = 4;
        int consumers = 4;
        int perProducer = 5_000;
        List<CompletableFuture<List<int[]>>> taken = new ArrayList<>();
        for (int c = 0; c < consumers; c++) {
            IpcQueue<int[]> mine = otherProcess(q);
            taken.add(CompletableFuture.supplyAsync(() -> {
                List<int[]> got = new ArrayList<>();
                try {
                    while (true) {
                        int[] item = mine.take();
                        if (item[0] < 0) {
                            return got;
                        }
                        got.add(item);
                    }
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        List<CompletableFuture<Void>> put = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int id = p;
            IpcQueue<int[]> mine = otherProcess(q);
            put.add(CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < perProducer; i++) {
                        mine.put(new int[]{id, i});
                    }
                    mine.close(); // waits until the broker has every put
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        CompletableFuture.allOf(put.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        for (int c = 0; c < consumers; c++) {
            q.put(new int[]{-1, -1});
        }
        boolean[][] seen = new boolean[producers][perProducer];
        int total = 0;
        for (CompletableFuture<List<int[]>> f : taken) {
            int[] last = {-1, -1, -1, -1};
            for (int[] item : f.get(30, TimeUnit.SECONDS)) {
                assertThat(seen[item[0]][item[1]]).as("item %s delivered twice", item[1]).isFalse();
                seen[item[0]][item[1]] = true;
                assertThat(item[1]).as("producer %d's order", item[0]).isGreaterThan(last[item[0]]);
                last[item[0]] = item[1];
                total++;
            }
        }
        assertThat(total).isEqualTo(producers * perProducer);
        assertThat(q.size()).isZero();
    }

    @Test
    void largeItemsTravelWholeBothWaysAndAnItemOverTheFrameLimitFailsInTheCaller() throws Exception {
        IpcQueue<byte[]> q = ctx.queue(0);
        IpcQueue<byte[]> other = otherProcess(q);
        byte[] medium = new byte[20_000];
        byte[] large = new byte[3 << 20];
        new java.util.Random(7).nextBytes(medium);
        new java.util.Random(8).nextBytes(large);
        other.put(medium);
        other.put(large);
        other.put(new byte[]{1});
        assertThat(q.take()).isEqualTo(medium);
        assertThat(q.take()).isEqualTo(large);
        q.put(large);
        assertThat(other.take()).isEqualTo(new byte[]{1});
        assertThat(other.take()).isEqualTo(large);

        QueueDescriptor d = descriptor(q);
        QueueClient small = new QueueClient(new QueueDescriptor(d.provider(), d.name(), d.address(), d.maxsize(),
                d.joinable(), d.ownerPid(), 1000), ENDPOINTS);
        clients.add(small);
        assertThatThrownBy(() -> small.put(new byte[1001])).isInstanceOf(dev.multiproc.FrameTooLargeException.class)
                .hasMessageContaining("1001").hasMessageContaining("1000");
        small.put(Serializer.standard().serialize(new byte[]{9})); // still usable after the refusal
        assertThat(other.take()).isEqualTo(new byte[]{9});
    }

    @Test
    void anInterruptedTakeConsumesNothing() throws Exception {
        IpcQueue<String> q = ctx.queue(0);
        IpcQueue<String> other = otherProcess(q);
        CountDownLatch started = new CountDownLatch(1);
        Thread taker = Thread.ofPlatform().start(() -> {
            started.countDown();
            try {
                other.take();
            } catch (InterruptedException expected) {
                Thread.currentThread().interrupt();
            }
        });
        started.await();
        taker.interrupt();
        taker.join(10_000);
        assertThat(taker.isAlive()).isFalse();
        q.put("kept");
        assertThat(q.take()).isEqualTo("kept"); // the broker did not send it to the interrupted taker for good
        other.put("again");
        assertThat(other.poll(Duration.ofSeconds(5))).isEqualTo("again");
    }

    @Test
    void anUnserializableItemFailsInTheCallerAndNothingIsEnqueued() throws Exception {
        IpcQueue<Object> q = ctx.queue(0);
        assertThatThrownBy(() -> q.put(new Object())).isInstanceOf(SerializationException.class)
                .hasMessageContaining("java.lang.Object");
        assertThat(q.size()).isZero();
        q.put("still usable");
        assertThat(q.take()).isEqualTo("still usable");
    }

    @Test
    void pollReturnsNullAtOnceAndTimeoutsAreHonoured() throws Exception {
        IpcQueue<String> q = ctx.queue(1);
        long t0 = System.nanoTime();
        assertThat(q.poll()).isNull();
        assertThat(q.poll(Duration.ofMillis(100))).isNull();
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(waited).isBetween(100L, 300L);
        assertThat(q.offer("a")).isTrue();
        assertThat(q.isFull()).isTrue();
        assertThat(q.offer("b")).isFalse();
        t0 = System.nanoTime();
        assertThat(q.offer("b", Duration.ofMillis(100))).isFalse();
        waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(waited).isBetween(100L, 300L);
        assertThat(q.size()).isEqualTo(1);
        assertThat(q.poll(Duration.ofMillis(100))).isEqualTo("a");
    }

    @Test
    void putBlocksWhileFullUntilAnotherProcessTakes() throws Exception {
        IpcQueue<Integer> q = ctx.queue(2);
        q.put(1);
        q.put(2);
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<Void> third = CompletableFuture.runAsync(() -> {
            started.countDown();
            try {
                q.put(3);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        started.await();
        assertThat(third).isNotDone();
        assertThat(q.isFull()).isTrue();
        IpcQueue<Integer> consumer = otherProcess(q);
        assertThat(consumer.take()).isEqualTo(1);
        third.get(10, TimeUnit.SECONDS);
        assertThat(consumer.take()).isEqualTo(2);
        assertThat(consumer.take()).isEqualTo(3);
    }

    @Test
    void closeEndsThisProcessesUseOnlyAndWakesItsBlockedTakers() throws Exception {
        IpcQueue<String> q = ctx.queue(0);
        IpcQueue<String> other = otherProcess(q);
        CompletableFuture<String> blocked = CompletableFuture.supplyAsync(() -> {
            try {
                return other.take();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(q.size()).isZero();
        other.close();
        assertThatThrownBy(() -> blocked.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(QueueClosedException.class);
        assertThatThrownBy(() -> other.put("x")).isInstanceOf(QueueClosedException.class)
                .hasMessageContaining("closed in this process");
        q.put("y");
        assertThat(q.take()).isEqualTo("y");
    }

    @Test
    void whenTheOwnerClosesABlockedTakerGetsAClearException() throws Exception {
        IpcQueue<String> q = ctx.queue(0);
        IpcQueue<String> other = otherProcess(q);
        CompletableFuture<String> blocked = CompletableFuture.supplyAsync(() -> {
            try {
                return other.take();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(other.size()).isZero(); // connected
        ctx.close();
        assertThatThrownBy(() -> blocked.get(10, TimeUnit.SECONDS)).cause()
                .isInstanceOf(QueueClosedException.class)
                .hasMessageContaining("process " + ProcessHandle.current().pid());
        assertThat(Files.list(ContextSettings.process().socketDirectory())
                .filter(f -> f.getFileName().toString().startsWith("multiproc-queue-" + ProcessHandle.current().pid() + "-"))
                .toList()).isEmpty();
    }

    @Test
    void itemsSentToAConsumerWhoseConnectionDropsGoBackToTheHead() throws Exception {
        IpcQueue<String> q = ctx.queue(0);
        q.put("first");
        q.put("second");
        QueueDescriptor d = descriptor(q);
        try (SocketChannel raw = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            raw.connect(UnixDomainSocketAddress.of(d.address()));
            try (NioFrameLink link = new NioFrameLink(raw, "broker")) { // as a client holding the authkey
                new HandshakeSteps(HandshakeSteps.Role.CLIENT, ProcessIdentity.authkey(), "broker")
                        .run(link, TimeUnit.SECONDS.toNanos(10));
            }
            raw.configureBlocking(true);
            ByteBuffer demand = ByteBuffer.allocate(9).putInt(5).put(QueueFrames.DEMAND).putInt(1).flip();
            raw.write(demand);
            ByteBuffer in = ByteBuffer.allocate(64);
            while (in.position() < 4 || in.position() < 4 + in.getInt(0)) {
                raw.read(in);
            }
            assertThat(in.get(4)).isEqualTo(QueueFrames.ITEM);
            assertThat(q.size()).isEqualTo(2); // received, never acknowledged
        } // the "consumer" dies here without acknowledging
        IpcQueue<String> other = otherProcess(q);
        assertThat(other.take()).isEqualTo("first");
        assertThat(other.take()).isEqualTo("second");
    }

    @Test
    void joinReturnsOnceEveryItemIsDoneFromAnyProcessAndTaskDoneTooOftenFails() throws Exception {
        JoinableQueue<Integer> q = ctx.joinableQueue(0);
        JoinableQueue<Integer> worker = otherProcess(q);
        for (int i = 0; i < 10; i++) {
            q.put(i);
        }
        assertThat(q.join(Duration.ofMillis(50))).isFalse();
        CompletableFuture<Void> joined = CompletableFuture.runAsync(() -> {
            try {
                otherProcess(q).join();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        for (int i = 0; i < 10; i++) {
            worker.take();
            worker.taskDone();
        }
        joined.get(10, TimeUnit.SECONDS);
        assertThat(q.join(Duration.ZERO)).isTrue();
        assertThatThrownBy(worker::taskDone).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("taskDone() called more times");
        q.put(99);
        assertThat(worker.take()).isEqualTo(99);
        worker.taskDone();
        q.join();
    }

    @Test
    void aConsumersItemsSentAheadAreRecalledForAnotherThatWaitsAndEachTakesInOrder() throws Exception {
        IpcQueue<Integer> q = ctx.queue(0);
        IpcQueue<Integer> a = otherProcess(q);
        IpcQueue<Integer> b = otherProcess(q);
        for (int i = 0; i < 100; i++) {
            q.put(i);
        }
        assertThat(a.take()).isZero(); // a may now hold the rest, sent ahead
        List<Integer> atB = new ArrayList<>();
        for (Integer item; (item = b.poll(Duration.ofMillis(500))) != null; ) {
            atB.add(item); // b never waits behind a's backlog: a's items are recalled for it
        }
        List<Integer> atA = new ArrayList<>();
        for (Integer item; (item = a.poll(Duration.ofMillis(500))) != null; ) {
            atA.add(item);
        }
        assertThat(atB).isNotEmpty().isSorted();
        assertThat(atA).isSorted();
        List<Integer> all = new ArrayList<>(atA);
        all.addAll(atB);
        assertThat(all).containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.range(1, 100).boxed().toList());
    }
}
