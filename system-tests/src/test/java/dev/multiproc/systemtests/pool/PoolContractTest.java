package dev.multiproc.systemtests.pool;

import dev.multiproc.Context;
import dev.multiproc.IpcBarrier;
import dev.multiproc.IpcEvent;
import dev.multiproc.IpcProcess;
import dev.multiproc.Multiproc;
import dev.multiproc.Pool;
import dev.multiproc.PoolOptions;
import dev.multiproc.RemoteException;
import dev.multiproc.SerializationException;
import dev.multiproc.SharedLong;
import dev.multiproc.WorkerLostException;
import dev.multiproc.systemtests.LeakCheck;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * CPython's pool tests, in Java, against real worker JVMs: one subclass per transport. Tests of
 * plain behaviour share one pool; lifecycle tests make their own.
 */
@ExtendWith(LeakCheck.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class PoolContractTest {
    private Context ctx;
    private Pool shared;

    /** @return the transport under test */
    abstract String transport();

    @BeforeAll
    void openContext() {
        ctx = Multiproc.context(transport());
        shared = ctx.pool(2);
    }

    @AfterAll
    void closeContext() {
        if (shared != null) {
            shared.close();
        }
        if (ctx != null) {
            ctx.close();
        }
    }

    private static List<Integer> range(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    private static List<Integer> squares(int n) {
        return range(n).stream().map(x -> x * x).toList();
    }

    // ------------------------------------------------------------------ results and order

    @Test
    void applyMapImapAndImapUnorderedGiveTheRightResultsInTheRightOrder() throws Exception {
        assertThat(shared.apply(() -> 6 * 7)).isEqualTo(42);
        assertThat(shared.applyAsync(() -> "async").get(10, TimeUnit.SECONDS)).isEqualTo("async");
        assertThat(shared.submit(() -> List.of(1, 2)).get(10, TimeUnit.SECONDS)).isEqualTo(List.of(1, 2));
        assertThat(shared.<Integer, Integer>map(x -> x * x, range(1000))).isEqualTo(squares(1000));
        assertThat(shared.<Integer, Integer>map(x -> x * x, range(100), 1)).isEqualTo(squares(100));
        assertThat(shared.<Integer, Integer>mapAsync(x -> x * x, range(100)).get(10, TimeUnit.SECONDS))
                .isEqualTo(squares(100));
        List<Integer> imapped = new ArrayList<>();
        shared.<Integer, Integer>imap(x -> x * x, range(300)).forEachRemaining(imapped::add);
        assertThat(imapped).isEqualTo(squares(300));
        List<Integer> chunked = new ArrayList<>();
        shared.<Integer, Integer>imap(x -> x * x, range(300), 7).forEachRemaining(chunked::add);
        assertThat(chunked).isEqualTo(squares(300));
        List<Integer> unordered = new ArrayList<>();
        shared.<Integer, Integer>imapUnordered(x -> x * x, range(300), 3).forEachRemaining(unordered::add);
        assertThat(unordered).containsExactlyInAnyOrderElementsOf(squares(300));
    }

    @Test
    void tasksRunInOtherProcesses() {
        Set<Long> pids = new HashSet<>(shared.<Integer, Long>map(x -> WorkerSide.pid(), range(200), 1));
        assertThat(pids).doesNotContain(ProcessHandle.current().pid()).isNotEmpty();
        assertThat(shared.processes()).isEqualTo(2);
        assertThat(shared.apply(() -> Multiproc.currentProcess().name())).matches("Pool-\\d+-Worker-\\d+");
    }

    @Test
    void emptyInput() throws Exception {
        assertThat(shared.<Integer, Integer>map(x -> x, List.of())).isEmpty();
        assertThat(shared.<Integer, Integer>mapAsync(x -> x, List.of()).get(10, TimeUnit.SECONDS)).isEmpty();
        assertThat(shared.<Integer, Integer>imap(x -> x, List.of()).hasNext()).isFalse();
        assertThat(shared.<Integer, Integer>imapUnordered(x -> x, List.of()).hasNext()).isFalse();
    }

    // ------------------------------------------------------------------ errors

    @Test
    void taskExceptionsKeepClassMessageAndRemoteStackIncludingAtChunkBoundaries() {
        for (int bad : new int[]{0, 9, 10, 99}) {
            assertThatThrownBy(() -> shared.<Integer, Integer>map(x -> {
                if (x == bad) {
                    throw new IllegalStateException("bad input " + x);
                }
                return x;
            }, range(100), 10))
                    .isInstanceOf(RemoteException.class)
                    .hasMessageContaining("java.lang.IllegalStateException: bad input " + bad)
                    .cause().isInstanceOf(IllegalStateException.class).hasMessage("bad input " + bad)
                    .satisfies(c -> assertThat(c.getStackTrace()).anyMatch(
                            f -> f.getClassName().startsWith(PoolContractTest.class.getName())));
        }
        RemoteException remote = org.assertj.core.api.Assertions.catchThrowableOfType(RemoteException.class,
                () -> shared.apply(() -> {
                    throw new UnsupportedOperationException("remote");
                }));
        assertThat(remote.pid()).isNotEqualTo(ProcessHandle.current().pid());
        assertThat(remote.remoteClassName()).isEqualTo(UnsupportedOperationException.class.getName());

        CompletableFuture<Integer> f = shared.applyAsync(() -> 1 / 0);
        assertThatThrownBy(f::get).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(ArithmeticException.class);
    }

    @Test
    void imapRaisesTaskErrorsAtTheirPositionAndContinues() {
        Iterator<Integer> it = shared.imap(x -> {
            if (x % 10 == 9) {
                throw new IllegalArgumentException("nine " + x);
            }
            return x;
        }, range(30), 3);
        List<Object> seen = new ArrayList<>();
        while (it.hasNext()) {
            try {
                seen.add(it.next());
            } catch (RemoteException e) {
                seen.add(e.getCause().getMessage());
            }
        }
        assertThat(seen).hasSize(30);
        assertThat(seen.get(9)).isEqualTo("nine 9");
        assertThat(seen.get(29)).isEqualTo("nine 29");
        assertThat(seen.get(10)).isEqualTo(10);
    }

    @Test
    void exceptionsFromTheInputIterable() {
        Iterable<Integer> brokenAt5 = () -> new Iterator<>() {
            int i;

            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public Integer next() {
                if (i == 5) {
                    throw new IllegalStateException("input broke at 5");
                }
                return i++;
            }
        };
        assertThatThrownBy(() -> shared.map(x -> x, brokenAt5)).isInstanceOf(IllegalStateException.class)
                .hasMessage("input broke at 5");
        for (int chunksize : new int[]{1, 2, 5}) {
            Iterator<Integer> it = shared.imap(x -> x * 10, brokenAt5, chunksize);
            assertThat(List.of(it.next(), it.next(), it.next(), it.next(), it.next())).containsExactly(0, 10, 20, 30, 40);
            assertThatThrownBy(it::next).isInstanceOf(IllegalStateException.class).hasMessage("input broke at 5");
            assertThat(it.hasNext()).isFalse();
        }
    }

    @Test
    void getWithATimeoutTimesOut() {
        Future<Long> slow = shared.submit(() -> {
            Thread.sleep(2_000); // a slow task, not synchronization
            return 1L;
        });
        assertThatThrownBy(() -> slow.get(50, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
    }

    // ------------------------------------------------------------------ who reads a result

    @Test
    void resultsNobodyAsksForAreStillDelivered() throws Exception {
        List<CompletableFuture<Integer>> futures = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            int n = i;
            futures.add(shared.applyAsync(() -> n * 3));
        }
        // allOf does not ask the futures themselves: the pool reads their results unasked
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
        assertThat(futures).extracting(CompletableFuture::resultNow)
                .isEqualTo(range(50).stream().map(n -> n * 3).toList());
    }

    @Test
    void largeResultsNobodyAsksForDoNotStallTheWorkers() throws Exception {
        // each result is larger than the socket's buffer: a worker blocks writing it until the
        // pool reads, which it must do although nobody has asked for the result yet
        List<CompletableFuture<byte[]>> futures = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            int n = i;
            futures.add(shared.applyAsync(() -> {
                byte[] big = new byte[600_000];
                java.util.Arrays.fill(big, (byte) n);
                return big;
            }));
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
        for (int i = 0; i < futures.size(); i++) {
            byte[] got = futures.get(i).resultNow();
            assertThat(got).hasSize(600_000);
            assertThat(got[0]).isEqualTo((byte) i);
            assertThat(got[got.length - 1]).isEqualTo((byte) i);
        }
    }

    @Test
    void callbacksRunWithoutAnyoneWaiting() throws Exception {
        java.util.concurrent.BlockingQueue<Object> seen = new java.util.concurrent.LinkedBlockingQueue<>();
        shared.applyAsync(() -> 7).thenAccept(seen::add);
        shared.<Integer>applyAsync(() -> {
            throw new IllegalStateException("no");
        }).exceptionally(e -> {
            seen.add(e.getClass().getSimpleName() + ": " + e.getMessage());
            return null;
        });
        Set<Object> both = new HashSet<>();
        both.add(seen.poll(20, TimeUnit.SECONDS));
        both.add(seen.poll(20, TimeUnit.SECONDS));
        assertThat(both).containsExactlyInAnyOrder(7, "IllegalStateException: no");
    }

    @Test
    void pollingIsDoneSeesTheResult() {
        CompletableFuture<Integer> f = shared.applyAsync(() -> 11);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                .pollInterval(java.time.Duration.ofMillis(1)).until(f::isDone);
        assertThat(f.resultNow()).isEqualTo(11);
    }

    @Test
    void manyFuturesCollectedOneByOneInOrder() throws Exception {
        List<CompletableFuture<Integer>> futures = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            int n = i;
            futures.add(shared.applyAsync(() -> n + 1));
        }
        List<Integer> got = new ArrayList<>();
        for (CompletableFuture<Integer> f : futures) {
            got.add(f.get(20, TimeUnit.SECONDS));
        }
        assertThat(got).isEqualTo(range(3_000).stream().map(n -> n + 1).toList());
    }

    @Test
    void aCallbackMayWaitForAnotherResultOfTheSameWorker() throws Exception {
        try (Pool pool = ctx.pool(1)) {
            CompletableFuture<Integer> first = pool.applyAsync(() -> WorkerSide.spin(300_000_000L) == 42 ? 0 : 1);
            CompletableFuture<Integer> second = pool.applyAsync(() -> WorkerSide.spin(300_000_000L) == 42 ? 0 : 2);
            CompletableFuture<Integer> third = pool.applyAsync(() -> 3);
            CompletableFuture<Integer> waited = new CompletableFuture<>();
            Thread waiter = new Thread(() -> waited.complete(second.join()));
            waiter.start();
            // The first result's callback runs in the thread that reads the worker's reports (the
            // pool's reader, or the thread waiting for the second result) and waits for the third:
            // that thread must read on, not block the only way the third result comes in.
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                    .until(() -> java.util.Arrays.stream(waiter.getStackTrace())
                            .anyMatch(frame -> frame.getMethodName().equals("join")));
            CompletableFuture<Integer> chained = first.thenApply(v -> v + third.join());
            assertThat(chained.get(20, TimeUnit.SECONDS)).isEqualTo(4);
            assertThat(waited.get(20, TimeUnit.SECONDS)).isEqualTo(2);
        }
    }

    @Test
    void aCallerWaitingForALongTaskCanBeInterrupted() throws Exception {
        try (Pool pool = ctx.pool(1)) {
            CompletableFuture<Long> endless = pool.applyAsync(() -> WorkerSide.spin(Long.MAX_VALUE));
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            Thread waiter = new Thread(() -> {
                try {
                    endless.get();
                    outcome.complete(null);
                } catch (Throwable e) {
                    outcome.complete(e);
                }
            });
            waiter.start();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                    .until(() -> java.util.Arrays.stream(waiter.getStackTrace())
                            .anyMatch(frame -> frame.getMethodName().equals("get")));
            waiter.interrupt();
            assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
            pool.terminate();
        }
    }

    @Test
    void unserializableResultsAndTasks() {
        long pid = shared.apply(WorkerSide::pid);
        CompletableFuture<Object> bad = shared.applyAsync(() -> new Object());
        assertThatThrownBy(bad::get).hasCauseInstanceOf(SerializationException.class);
        assertThatThrownBy(() -> shared.apply(() -> new Object())).isInstanceOf(RemoteException.class)
                .hasCauseInstanceOf(SerializationException.class);
        assertThat(shared.<Integer, Long>map(x -> WorkerSide.pid(), range(20), 1)).contains(pid);

        Object notSerializable = new Object();
        assertThatThrownBy(() -> shared.apply(() -> notSerializable.hashCode()))
                .isInstanceOf(SerializationException.class);
        java.util.concurrent.Callable<Integer> plain = () -> 1;
        assertThatThrownBy(() -> shared.submit(plain)).isInstanceOf(RejectedExecutionException.class)
                .hasCauseInstanceOf(SerializationException.class);
        Runnable runnable = () -> { };
        assertThatThrownBy(() -> shared.execute(runnable)).isInstanceOf(RejectedExecutionException.class);
    }

    @Test
    void aPoolWhoseWorkerExitedDuringAMapShutsDownAndCloses() throws Exception {
        for (int round = 0; round < 4; round++) {
            Pool pool = ctx.pool(2);
            int exitAt = 100 + 37 * round;
            assertThatThrownBy(() -> pool.map(x -> {
                if (x == exitAt) {
                    System.exit(7);
                }
                return x;
            }, range(400), 1)).isInstanceOf(WorkerLostException.class);
            pool.shutdown();
            assertThat(pool.awaitTermination(20, TimeUnit.SECONDS)).as("round %d: terminated", round).isTrue();
            CompletableFuture<Void> closed = CompletableFuture.runAsync(pool::close);
            closed.get(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void tasksQueuedBehindATaskThatKillsItsWorkerRunOnTheReplacement() throws Exception {
        try (Pool pool = ctx.pool(1)) {
            for (int i = 0; i < 50; i++) {
                pool.apply(() -> 0); // tiny tasks: the worker's window grows, so later tasks queue at it
            }
            IpcEvent queued = ctx.event();
            CompletableFuture<Integer> dying = pool.applyAsync(() -> {
                queued.await(Duration.ofSeconds(30));
                System.exit(7);
                return -1;
            });
            List<CompletableFuture<Integer>> behind = new ArrayList<>();
            for (int i = 1; i <= 20; i++) {
                int n = i;
                behind.add(pool.applyAsync(() -> n));
            }
            queued.set();
            assertThatThrownBy(() -> dying.get(60, TimeUnit.SECONDS)).hasCauseInstanceOf(WorkerLostException.class)
                    .hasMessageContaining("exit code 7");
            for (int i = 0; i < behind.size(); i++) {
                assertThat(behind.get(i).get(60, TimeUnit.SECONDS)).as("task %d, queued behind", i + 1).isEqualTo(i + 1);
            }
        }
    }

    @Test
    void lambdaLiteralsWorkWithEveryExecutorServiceMethod() throws Exception {
        SharedLong runs = ctx.sharedLong(0);
        IpcEvent executed = ctx.event();
        shared.execute(() -> {
            runs.incrementAndGet();
            executed.set();
        });
        assertThat(executed.await(Duration.ofSeconds(30))).isTrue();
        assertThat(shared.submit(() -> {
            runs.incrementAndGet();
        }).get(30, TimeUnit.SECONDS)).isNull();
        assertThat(shared.submit(() -> {
            runs.incrementAndGet();
        }, "ran").get(30, TimeUnit.SECONDS)).isEqualTo("ran");
        assertThat(shared.submit(() -> 6 * 7).get(30, TimeUnit.SECONDS)).isEqualTo(42);
        List<Future<Integer>> all = shared.invokeAll(Pool.tasks(() -> 1, () -> 2, () -> 3));
        List<Integer> values = new ArrayList<>();
        for (Future<Integer> f : all) {
            values.add(f.get());
        }
        assertThat(values).containsExactly(1, 2, 3);
        assertThat(shared.invokeAny(Pool.tasks(() -> "any", () -> "any"))).isEqualTo("any");
        assertThat(runs.get()).isEqualTo(3);
    }

    @Test
    void invalidOptionsAreRejected() {
        assertThatThrownBy(() -> ctx.pool(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
        assertThatThrownBy(() -> PoolOptions.builder().processes(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PoolOptions.builder().maxTasksPerChild(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> shared.map(x -> x, range(3), 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("chunksize");
        assertThatThrownBy(() -> shared.imap(x -> x, range(3), -1)).isInstanceOf(IllegalArgumentException.class);
    }

    // ------------------------------------------------------------------ laziness

    @Test
    void imapOverAnInfiniteIteratorTakesTheFirstThousandResults() {
        Iterable<Long> naturals = () -> new Iterator<>() {
            long n;

            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public Long next() {
                return n++;
            }
        };
        Iterator<Long> it = shared.imap(x -> x * 2, naturals);
        for (long i = 0; i < 1000; i++) {
            assertThat(it.next()).isEqualTo(2 * i);
        }
        Iterator<Long> unordered = shared.imapUnordered(x -> x * 2, naturals, 10);
        Set<Long> got = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            got.add(unordered.next());
        }
        assertThat(got).hasSize(1000);
    }

    // ------------------------------------------------------------------ workers

    @Test
    void initializerRunsOnceInEachWorkerBeforeItsFirstTask() {
        PoolOptions options = PoolOptions.builder().processes(2)
                .initializer(() -> WorkerSide.INITIALIZED.incrementAndGet()).build();
        try (Pool pool = ctx.pool(options)) {
            List<String> seen = pool.map(x -> WorkerSide.pid() + ":" + WorkerSide.INITIALIZED.get(), range(100), 1);
            Map<String, Long> byWorker = seen.stream().collect(Collectors.groupingBy(s -> s, Collectors.counting()));
            assertThat(byWorker.keySet()).allSatisfy(s -> assertThat(s).endsWith(":1"));
        }
    }

    @Test
    void maxTasksPerChildReplacesWorkers() {
        PoolOptions options = PoolOptions.builder().processes(1).maxTasksPerChild(2).build();
        try (Pool pool = ctx.pool(options)) {
            List<Long> pids = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                pids.add(pool.apply(WorkerSide::pid));
            }
            assertThat(new HashSet<>(pids)).hasSize(3);
            assertThat(pids.get(0)).isEqualTo(pids.get(1));
        }
    }

    @Test
    void maxTasksPerChildOneWithShutdownDoesNotHang() throws Exception {
        Pool pool = ctx.pool(PoolOptions.builder().processes(2).maxTasksPerChild(1).build());
        List<CompletableFuture<Long>> pids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            pids.add(pool.applyAsync(WorkerSide::pid));
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(40, TimeUnit.SECONDS)).isTrue();
        assertThat(pids.stream().map(CompletableFuture::join).distinct().count()).isEqualTo(6);
    }

    @Test
    void terminateWithTenThousandPendingTasksReturnsWithinTwoSeconds() {
        Pool pool = ctx.pool(2);
        List<CompletableFuture<Long>> futures = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            futures.add(pool.applyAsync(() -> WorkerSide.spin(1_000_000)));
        }
        long start = System.nanoTime();
        pool.terminate();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(2_000);
        assertThat(pool.isTerminated()).isTrue();
        assertThat(futures).allSatisfy(f -> assertThat(f).isDone());
        assertThat(futures.stream().filter(CompletableFuture::isCancelled).count()).isGreaterThan(9_000);
    }

    @Test
    void useAfterShutdownIsRejected() {
        Pool pool = ctx.pool(1);
        pool.shutdown();
        assertThatThrownBy(() -> pool.apply(() -> 1)).isInstanceOf(RejectedExecutionException.class);
        assertThatThrownBy(() -> pool.map(x -> x, range(3))).isInstanceOf(RejectedExecutionException.class);
        assertThatThrownBy(() -> pool.submit(() -> 1)).isInstanceOf(RejectedExecutionException.class);
        pool.close();
        assertThat(pool.isTerminated()).isTrue();
    }

    @Test
    void noWorkerJvmIsLeftAfterClose() {
        Pool pool = ctx.pool(2);
        Set<Long> pids = new HashSet<>(pool.<Integer, Long>map(x -> WorkerSide.pid(), range(50), 1));
        pool.close();
        assertThat(pool.isTerminated()).isTrue();
        assertThat(pids).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                .as("worker %d alive after close()", pid).isFalse());
    }

    // ------------------------------------------------------------------ worker death

    @Test
    void aWorkerKilledDuringALongMapFailsItsTasksAndThePoolGoesOn() {
        try (Pool pool = ctx.pool(2)) {
            assertThatThrownBy(() -> pool.map(x -> {
                if (x == 57) {
                    WorkerSide.killSelf();
                }
                return WorkerSide.spin(20_000);
            }, range(400), 1))
                    .isInstanceOf(WorkerLostException.class)
                    .hasMessageContaining("exit code -9")
                    .hasMessageMatching("(?s).*worker Pool-\\d+-Worker-\\d+ \\(pid \\d+\\).*");
            assertThat(pool.<Integer, Integer>map(x -> x + 1, range(100))).isEqualTo(
                    range(100).stream().map(x -> x + 1).toList());
        }
    }

    @Test
    void aWorkerDyingDuringImapFailsOnlyTheItemsItHeld() {
        try (Pool pool = ctx.pool(2)) {
            Iterator<Integer> it = pool.imap(x -> {
                if (x == 40) {
                    System.exit(7);
                }
                WorkerSide.spin(20_000);
                return x;
            }, range(200));
            List<Integer> got = new ArrayList<>();
            List<WorkerLostException> lost = new ArrayList<>();
            while (it.hasNext()) {
                try {
                    got.add(it.next());
                } catch (WorkerLostException e) {
                    lost.add(e);
                }
            }
            assertThat(got.size() + lost.size()).isEqualTo(200);
            assertThat(got).isSorted().doesNotContain(40);
            assertThat(lost).isNotEmpty().allSatisfy(e -> assertThat(e.exitCode()).hasValue(7));
        }
    }

    @Test
    void aWorkerDyingUnderApplyAsyncFailsItsFuturesAndTheOthersComplete() throws Exception {
        try (Pool pool = ctx.pool(2)) {
            List<CompletableFuture<Long>> futures = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                int n = i;
                futures.add(pool.applyAsync(() -> {
                    if (n == 10) {
                        WorkerSide.killSelf();
                    }
                    return WorkerSide.spin(100_000);
                }));
            }
            int lost = 0;
            for (CompletableFuture<Long> f : futures) {
                try {
                    f.get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(WorkerLostException.class).hasMessageContaining("-9");
                    lost++;
                }
            }
            assertThat(lost).isPositive().isLessThan(30);
            assertThatThrownBy(() -> futures.get(10).get()).hasCauseInstanceOf(WorkerLostException.class);
        }
    }

    @Test
    void aWorkerRunningOutOfMemoryIsReplaced() {
        PoolOptions options = PoolOptions.builder().processes(1)
                .jvmOptions(List.of("-Xmx48m", "-XX:+ExitOnOutOfMemoryError")).build();
        try (Pool pool = ctx.pool(options)) {
            assertThat(pool.apply(() -> Runtime.getRuntime().maxMemory())).isLessThan(64L << 20);
            assertThatThrownBy(() -> pool.apply(WorkerSide::exhaustHeap)).isInstanceOf(WorkerLostException.class)
                    .hasMessageContaining("exit code 3");
            assertThat(pool.apply(() -> 5)).isEqualTo(5);
        }
    }

    @Test
    void tasksSubmittedRightAfterThePoolIsMadeRunOnEveryWorkerAtOnce() throws Exception {
        try (Pool pool = ctx.pool(2)) {
            IpcBarrier first = ctx.barrier(2);
            IpcBarrier second = ctx.barrier(2);
            // each pair can only finish if its two tasks run at the same time, on two workers
            List<CompletableFuture<Long>> runs = new ArrayList<>();
            for (IpcBarrier barrier : List.of(first, first, second, second)) {
                runs.add(pool.applyAsync(() -> {
                    barrier.await(Duration.ofSeconds(30));
                    return ProcessHandle.current().pid();
                }));
            }
            List<Long> pids = new ArrayList<>();
            for (CompletableFuture<Long> run : runs) {
                pids.add(run.get(60, TimeUnit.SECONDS));
            }
            assertThat(pids.get(0)).isNotEqualTo(pids.get(1));
            assertThat(pids.get(2)).isNotEqualTo(pids.get(3));
        }
    }

    @Test
    void workersKilledFromOutsideWhileStartingAreReplacedAndThePoolWorks() throws Exception {
        int kills = 5; // more than the start failures after which a pool gives up
        try (Pool pool = ctx.pool(1)) {
            String workers = pool.toString().replaceFirst("^Pool\\[([^,]+),.*", "$1") + "-Worker-"; // this pool's only
            Set<Long> killed = new HashSet<>();
            for (int k = 0; k < kills; k++) {
                // a worker that is not ready yet: its JVM takes far longer to get going than this finds it
                IpcProcess starting = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(2))
                        .until(() -> Multiproc.activeChildren().stream()
                                .filter(p -> p.name().startsWith(workers) && !killed.contains(p.pid()))
                                .findFirst().orElse(null), Objects::nonNull);
                killed.add(starting.pid());
                starting.kill();
                assertThat(starting.join(Duration.ofSeconds(30))).isTrue();
            }
            assertThat(pool.apply(() -> 42)).isEqualTo(42);
            assertThat(pool.apply(() -> ProcessHandle.current().pid())).isNotIn(killed);
        }
    }

    @Test
    void workersThatCannotStartFailTheTasksWithTheReason() {
        PoolOptions options = PoolOptions.builder().processes(1).jvmOptions(List.of("-XX:+NoSuchOption")).build();
        try (Pool pool = ctx.pool(options)) {
            assertThatThrownBy(() -> pool.apply(() -> 1)).isInstanceOf(dev.multiproc.IpcException.class)
                    .hasMessageContaining("cannot start workers").hasMessageContaining("exit code 1")
                    .hasMessageContaining("exit codes 1, 1, 1").hasMessageContaining("Unrecognized VM option 'NoSuchOption'");
        }
    }

    @Test
    void cancelledFuturesOfATerminatedPool() {
        Pool pool = ctx.pool(1);
        CompletableFuture<Long> f = pool.applyAsync(() -> WorkerSide.spin(Long.MAX_VALUE));
        pool.terminate();
        assertThatThrownBy(f::join).isInstanceOf(CancellationException.class);
    }
}
