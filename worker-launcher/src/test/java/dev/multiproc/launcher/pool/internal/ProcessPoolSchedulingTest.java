package dev.multiproc.launcher.pool.internal;

import dev.multiproc.Pool;
import dev.multiproc.RemoteException;
import dev.multiproc.SerializableCallable;
import dev.multiproc.SerializationException;
import dev.multiproc.Serializer;
import dev.multiproc.WorkerLostException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Ordering and bookkeeping of the pool with in-process workers (threads running the real
 * worker loop over in-memory channels). Real worker JVMs are tested in system-tests.
 */
@Timeout(30)
class ProcessPoolSchedulingTest {
    // State shared with the "workers", which are threads of this JVM.
    static final AtomicInteger INITIALIZED = new AtomicInteger();
    static volatile CountDownLatch release = new CountDownLatch(0);
    static final Set<Long> HOLDING = ConcurrentHashMap.newKeySet();

    private final InProcessWorkers workers = new InProcessWorkers();
    private ProcessPool pool;

    private ProcessPool pool(int processes) {
        return pool(processes, 0, null);
    }

    private ProcessPool pool(int processes, int maxTasksPerChild, dev.multiproc.ProcessTarget initializer) {
        pool = ProcessPool.start("Pool-T", processes, maxTasksPerChild, initializer, workers, Serializer.standard());
        return pool;
    }

    @AfterEach
    void closePool() throws InterruptedException {
        release.countDown();
        if (pool != null) {
            pool.terminate();
            assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static List<Integer> range(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    @Test
    void mapKeepsInputOrderForEveryChunking() {
        Pool p = pool(3);
        List<Integer> expected = range(1000).stream().map(x -> x * x).toList();
        assertThat(p.<Integer, Integer>map(x -> x * x, range(1000))).isEqualTo(expected);
        assertThat(p.<Integer, Integer>map(x -> x * x, range(1000), 1)).isEqualTo(expected);
        assertThat(p.<Integer, Integer>map(x -> x * x, range(1000), 7)).isEqualTo(expected);
        assertThat(p.<Integer, Integer>map(x -> x * x, range(1000), 5000)).isEqualTo(expected);
    }

    @Test
    void defaultChunkingIsPythons() {
        assertThat(Chunking.defaultChunksize(100_000, 2)).isEqualTo(12_500);
        assertThat(Chunking.defaultChunksize(10, 4)).isEqualTo(1);
        assertThat(Chunking.defaultChunksize(17, 2)).isEqualTo(3);
        assertThat(Chunking.defaultChunksize(0, 2)).isEqualTo(1);
        assertThatThrownBy(() -> Chunking.checkChunksize(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("was 0");
    }

    @Test
    void emptyInputGivesEmptyResults() throws Exception {
        Pool p = pool(2);
        assertThat(p.<Integer, Integer>map(x -> x, List.of())).isEmpty();
        assertThat(p.<Integer, Integer>mapAsync(x -> x, List.of()).get(1, TimeUnit.SECONDS)).isEmpty();
        assertThat(p.<Integer, Integer>imap(x -> x, List.of()).hasNext()).isFalse();
        assertThat(p.<Integer, Integer>imapUnordered(x -> x, List.of()).hasNext()).isFalse();
    }

    @Test
    void mapOfAnIterableThatIsNotACollection() {
        Pool p = pool(2);
        Iterable<Integer> items = () -> range(50).iterator();
        assertThat(p.<Integer, String>map(x -> "v" + x, items)).hasSize(50).startsWith("v0", "v1").endsWith("v49");
    }

    @Test
    void taskExceptionsAtChunkBoundariesReachTheCallerWithTheirClassAndMessage() {
        Pool p = pool(2);
        for (int bad : new int[]{0, 9, 10, 19, 99}) {
            assertThatThrownBy(() -> p.<Integer, Integer>map(x -> {
                if (x == bad) {
                    throw new IllegalStateException("bad input " + x);
                }
                return x;
            }, range(100), 10))
                    .isInstanceOf(RemoteException.class)
                    .hasCauseInstanceOf(IllegalStateException.class)
                    .cause().hasMessage("bad input " + bad);
        }
    }

    @Test
    void mapAsyncFailsWithTheOriginalExceptionAsCause() {
        Pool p = pool(2);
        CompletableFuture<List<Integer>> f = p.mapAsync(x -> 10 / (Integer) x, List.of(1, 2, 0, 4));
        assertThatThrownBy(f::get).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(ArithmeticException.class);
    }

    @Test
    void imapThrowsAtTheFailedPositionAndGoesOn() {
        Pool p = pool(2);
        for (int chunksize : new int[]{1, 3, 5}) {
            Iterator<Integer> it = p.imap(x -> {
                if (x == 5) {
                    throw new IllegalArgumentException("five");
                }
                return x * 2;
            }, range(10), chunksize);
            List<Integer> before = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                before.add(it.next());
            }
            assertThat(before).containsExactly(0, 2, 4, 6, 8);
            assertThatThrownBy(it::next).isInstanceOf(RemoteException.class)
                    .hasCauseInstanceOf(IllegalArgumentException.class).cause().hasMessage("five");
            List<Integer> after = new ArrayList<>();
            it.forEachRemaining(after::add);
            assertThat(after).containsExactly(12, 14, 16, 18);
        }
    }

    @Test
    void anInputIteratorExceptionReachesTheCallerAtItsPosition() {
        Pool p = pool(2);
        Iterable<Integer> failingAfter7 = () -> new Iterator<>() {
            int next;

            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public Integer next() {
                if (next == 7) {
                    throw new UnsupportedOperationException("input broke at 7");
                }
                return next++;
            }
        };
        for (int chunksize : new int[]{1, 3, 7, 10}) {
            Iterator<Integer> it = p.imap(x -> x + 100, failingAfter7, chunksize);
            for (int i = 0; i < 7; i++) {
                assertThat(it.next()).isEqualTo(100 + i);
            }
            assertThat(it.hasNext()).isTrue();
            assertThatThrownBy(it::next).isInstanceOf(UnsupportedOperationException.class).hasMessage("input broke at 7");
            assertThat(it.hasNext()).isFalse();

            Iterator<Integer> unordered = p.imapUnordered(x -> x + 100, failingAfter7, chunksize);
            Set<Integer> seen = new HashSet<>();
            for (int i = 0; i < 7; i++) {
                seen.add(unordered.next());
            }
            assertThat(seen).containsExactlyInAnyOrder(100, 101, 102, 103, 104, 105, 106);
            assertThatThrownBy(unordered::next).isInstanceOf(UnsupportedOperationException.class);
        }
        assertThatThrownBy(() -> p.map(x -> x, failingAfter7)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void imapIsLazyWithABoundedNumberOfChunksInFlight() {
        Pool p = pool(2);
        AtomicInteger pulled = new AtomicInteger();
        Iterable<Integer> infinite = () -> new Iterator<>() {
            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public Integer next() {
                return pulled.getAndIncrement();
            }
        };
        // items read ahead: as with chunks of 1, or two (adaptive) chunks per worker if that is more
        int bound = Math.max(Math.max(16, 2 * TaskSubmitter.IMAP_CHUNKS_AHEAD_PER_WORKER),
                2 * 2 * ImapIterator.MAX_ADAPTIVE_CHUNK) + ImapIterator.MAX_ADAPTIVE_CHUNK;
        Iterator<Long> it = p.imap(x -> (long) x * x, infinite);
        assertThat(pulled.get()).isLessThanOrEqualTo(bound);
        for (long i = 0; i < 1000; i++) {
            assertThat(it.next()).isEqualTo(i * i);
            assertThat(pulled.get()).isLessThanOrEqualTo((int) i + 1 + bound);
        }
        Iterator<Integer> unordered = p.imapUnordered(x -> (Integer) x, infinite, 4);
        Set<Integer> first = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            first.add(unordered.next());
        }
        assertThat(first).hasSize(1000);
    }

    @Test
    void imapUnorderedYieldsEveryResultOnce() {
        Pool p = pool(3);
        List<Integer> got = new ArrayList<>();
        p.<Integer, Integer>imapUnordered(x -> x * 3, range(500), 7).forEachRemaining(got::add);
        assertThat(got).containsExactlyInAnyOrderElementsOf(range(500).stream().map(x -> x * 3).toList());
    }

    @Test
    void applyAndFutures() throws Exception {
        Pool p = pool(2);
        assertThat(p.apply(() -> "hello")).isEqualTo("hello");
        assertThat(p.applyAsync(() -> 41 + 1).get()).isEqualTo(42);
        assertThat(p.submit(() -> 7).get()).isEqualTo(7);
        assertThatThrownBy(() -> p.apply(() -> {
            throw new java.io.IOException("disk gone");
        })).isInstanceOf(RemoteException.class).hasCauseInstanceOf(java.io.IOException.class)
                .cause().hasMessage("disk gone");
        CompletableFuture<Object> failed = p.applyAsync(() -> {
            throw new IllegalStateException("nope");
        });
        assertThatThrownBy(failed::join).hasCauseInstanceOf(IllegalStateException.class);
        String chained = p.applyAsync(() -> 6 * 7).thenApply(v -> "v" + v).get(5, TimeUnit.SECONDS);
        assertThat(chained).isEqualTo("v42");
    }

    @Test
    void getWithTimeoutTimesOut() {
        Pool p = pool(1);
        release = new CountDownLatch(1);
        Future<Integer> f = p.submit(() -> {
            release.await();
            return 1;
        });
        assertThatThrownBy(() -> f.get(50, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        release.countDown();
    }

    @Test
    void waitingForOneCallLeavesTheOthersCompleted() throws Exception {
        Pool p = pool(1);
        assertThat(p.apply(() -> 1)).isEqualTo(1); // the worker is ready: tasks are assigned at once
        List<CompletableFuture<Integer>> others = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int n = i;
            others.add(p.applyAsync(() -> n));
        }
        assertThat(p.applyAsync(() -> 99).get()).isEqualTo(99);
        for (int i = 0; i < 5; i++) {
            assertThat(others.get(i).get(5, TimeUnit.SECONDS)).isEqualTo(i);
        }
    }

    @Test
    void aCallerWaitingOnApplyAsyncSeesItsWorkerDie() throws Exception {
        Pool p = pool(1);
        assertThat(p.apply(() -> 1)).isEqualTo(1);
        release = new CountDownLatch(1);
        HOLDING.clear();
        CompletableFuture<Long> held = p.applyAsync(() -> {
            HOLDING.add(InProcessWorkers.current().pid());
            release.await();
            return 0L;
        });
        InProcessWorkers.Worker victim = awaitHolder();
        CompletableFuture<Throwable> seen = new CompletableFuture<>();
        Thread waiter = new Thread(() -> {
            try {
                held.get();
                seen.complete(null);
            } catch (Throwable e) {
                seen.complete(e);
            }
        }, "test-waiter");
        waiter.start();
        awaitWaiting(waiter);
        victim.kill();
        assertThat(seen.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(WorkerLostException.class).hasMessageContaining(victim.name);
        release.countDown();
        assertThat(p.apply(() -> 5)).isEqualTo(5);
    }

    @Test
    void aCallerWaitingOnApplyAsyncStopsWhenCancelledOrInterrupted() throws Exception {
        Pool p = pool(1);
        assertThat(p.apply(() -> 1)).isEqualTo(1);
        release = new CountDownLatch(1);
        CompletableFuture<Integer> cancelled = p.applyAsync(() -> {
            release.await();
            return 1;
        });
        CompletableFuture<Integer> queued = p.applyAsync(() -> 2);
        CompletableFuture<Throwable> seen = new CompletableFuture<>();
        Thread waiter = new Thread(() -> {
            try {
                cancelled.get();
                seen.complete(null);
            } catch (Throwable e) {
                seen.complete(e);
            }
        }, "test-waiter");
        waiter.start();
        awaitWaiting(waiter);
        cancelled.cancel(false);
        assertThat(seen.get(5, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);

        CompletableFuture<Throwable> seen2 = new CompletableFuture<>();
        CompletableFuture<Integer> stillRunning = p.applyAsync(() -> 3); // queued behind the blocked task
        Thread waiter2 = new Thread(() -> {
            try {
                stillRunning.get();
                seen2.complete(null);
            } catch (Throwable e) {
                seen2.complete(e);
            }
        }, "test-waiter-2");
        waiter2.start();
        awaitWaiting(waiter2);
        waiter2.interrupt();
        assertThat(seen2.get(5, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
        release.countDown();
        assertThat(queued.get(5, TimeUnit.SECONDS)).isEqualTo(2);
        assertThat(stillRunning.get(5, TimeUnit.SECONDS)).isEqualTo(3);
    }

    /** Waits until {@code t} waits for its future; the asserts after hold either way. */
    private static void awaitWaiting(Thread t) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (t.getState() == Thread.State.NEW || t.getState() == Thread.State.RUNNABLE) {
            assertThat(System.nanoTime() - deadline).as("thread %s never waited", t.getName()).isNegative();
            Thread.yield();
        }
    }

    @Test
    void aResultThatCannotBeSerializedFailsOnlyThatTask() throws Exception {
        Pool p = pool(1);
        long pid = p.apply(() -> InProcessWorkers.current().pid());
        CompletableFuture<Object> f = p.applyAsync(() -> new Object());
        assertThatThrownBy(f::get).hasCauseInstanceOf(SerializationException.class);
        assertThat(p.apply(() -> InProcessWorkers.current().pid())).isEqualTo(pid);
        assertThatThrownBy(() -> p.map(x -> (Object) (x == 3 ? new Object() : x), range(5)))
                .isInstanceOf(RemoteException.class).hasCauseInstanceOf(SerializationException.class);
    }

    @Test
    void aTaskThatCannotBeSerializedFailsAtOnceInTheCaller() {
        Pool p = pool(1);
        Object notSerializable = new Object();
        assertThatThrownBy(() -> p.apply(() -> notSerializable.hashCode())).isInstanceOf(SerializationException.class);
        Callable<Integer> plain = () -> 1;
        assertThatThrownBy(() -> p.submit(plain)).isInstanceOf(RejectedExecutionException.class)
                .hasCauseInstanceOf(SerializationException.class);
        Runnable runnable = () -> { };
        assertThatThrownBy(() -> p.execute(runnable)).isInstanceOf(RejectedExecutionException.class)
                .hasCauseInstanceOf(SerializationException.class);
        assertThatThrownBy(() -> p.map(x -> x, List.of(1, notSerializable))).isInstanceOf(SerializationException.class)
                .hasMessageContaining("input 1");
    }

    @Test
    void executorServiceMethods() throws Exception {
        Pool p = pool(2);
        List<SerializableCallable<Integer>> tasks = List.of(() -> 1, () -> 2, () -> 3);
        List<Future<Integer>> done = p.invokeAll(tasks);
        List<Integer> values = new ArrayList<>();
        for (Future<Integer> f : done) {
            values.add(f.get());
        }
        assertThat(values).containsExactly(1, 2, 3);
        List<SerializableCallable<Integer>> oneGood = List.of(() -> {
            throw new IllegalStateException("x");
        }, () -> 5);
        assertThat(p.invokeAny(oneGood)).isEqualTo(5);
        List<SerializableCallable<Integer>> allBad = List.of(() -> {
            throw new IllegalStateException("x");
        });
        assertThatThrownBy(() -> p.invokeAny(allBad)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalStateException.class);
        Runnable serializableRunnable = (Runnable & java.io.Serializable) () -> INITIALIZED.get();
        assertThat(p.submit(serializableRunnable, "done").get()).isEqualTo("done");
        p.shutdown();
        assertThat(p.isShutdown()).isTrue();
        assertThat(p.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        assertThat(p.isTerminated()).isTrue();
    }

    @Test
    void useAfterShutdownIsRejected() {
        Pool p = pool(1);
        p.shutdown();
        assertThatThrownBy(() -> p.apply(() -> 1)).isInstanceOf(RejectedExecutionException.class)
                .hasMessageContaining("Pool-T");
        assertThatThrownBy(() -> p.map(x -> x, List.of(1))).isInstanceOf(RejectedExecutionException.class);
        assertThatThrownBy(() -> p.imap(x -> x, List.of(1))).isInstanceOf(RejectedExecutionException.class);
        assertThatThrownBy(() -> p.execute((Runnable & java.io.Serializable) () -> { }))
                .isInstanceOf(RejectedExecutionException.class);
    }

    @Test
    void shutdownFinishesQueuedWork() throws Exception {
        Pool p = pool(2);
        CompletableFuture<List<Integer>> f = p.mapAsync(x -> x + 1, range(200));
        p.close();
        assertThat(p.isTerminated()).isTrue();
        assertThat(f.get()).hasSize(200);
        assertThat(workers.started).allSatisfy(w -> assertThat(w.exited().isDone()).isTrue());
    }

    @Test
    void initializerRunsOncePerWorkerBeforeItsFirstTask() {
        INITIALIZED.set(0);
        Pool p = pool(3, 0, () -> INITIALIZED.incrementAndGet());
        assertThat(p.<Integer, Integer>map(x -> INITIALIZED.get(), range(100), 1)).allSatisfy(v -> assertThat(v).isPositive());
        p.close();
        assertThat(INITIALIZED.get()).isEqualTo(workers.started.size()).isEqualTo(3);
    }

    @Test
    void aFailingInitializerFailsTasksInsteadOfRestartingForever() {
        Pool p = pool(2, 0, () -> {
            throw new IllegalStateException("no config");
        });
        assertThatThrownBy(() -> p.apply(() -> 1)).hasMessageContaining("initializer failed")
                .rootCause().hasMessage("no config");
        assertThat(workers.started.size()).isLessThanOrEqualTo(2);
    }

    @Test
    void anInitializerThatCannotTravelFailsPoolCreation() {
        Object notSerializable = new Object();
        assertThatThrownBy(() -> pool(1, 0, () -> notSerializable.hashCode()))
                .isInstanceOf(SerializationException.class).hasMessageContaining("initializer of pool Pool-T");
        assertThat(workers.started).isEmpty();
    }

    @Test
    void workersThatCannotStartFailTheTasksInsteadOfHanging() {
        WorkerStarter failing = (name, init) -> {
            throw new IllegalStateException("no java here");
        };
        pool = ProcessPool.start("Pool-T", 2, 0, null, failing, Serializer.standard());
        assertThatThrownBy(() -> pool.apply(() -> 1)).isInstanceOf(dev.multiproc.IpcException.class)
                .hasMessageContaining("cannot start workers").rootCause().hasMessage("no java here");
    }

    @Test
    void maxTasksPerChildReplacesWorkers() {
        Pool p = pool(1, 2, null);
        List<Long> pids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            pids.add(p.apply(() -> InProcessWorkers.current().pid()));
        }
        assertThat(new HashSet<>(pids)).hasSize(3);
        assertThat(pids.get(0)).isEqualTo(pids.get(1));
        // chunks count as one task each
        List<Long> perItem = p.map(x -> InProcessWorkers.current().pid(), range(40), 10);
        assertThat(new HashSet<>(perItem)).hasSize(2);
    }

    @Test
    void maxTasksPerChildOneWithShutdownDoesNotHang() throws Exception {
        Pool p = pool(2, 1, null);
        List<CompletableFuture<Long>> pids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            pids.add(p.applyAsync(() -> InProcessWorkers.current().pid()));
        }
        p.shutdown();
        assertThat(p.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
        assertThat(pids.stream().map(CompletableFuture::join).distinct().count()).isEqualTo(20);
    }

    @Test
    void aKilledWorkerFailsOnlyTheTasksItHeld() throws Exception {
        Pool p = pool(2);
        release = new CountDownLatch(1);
        HOLDING.clear();
        List<CompletableFuture<Long>> futures = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            futures.add(p.applyAsync(() -> {
                HOLDING.add(InProcessWorkers.current().pid());
                release.await();
                return InProcessWorkers.current().pid();
            }));
        }
        InProcessWorkers.Worker victim = awaitHolder();
        victim.kill();
        release.countDown();
        int lost = 0;
        for (CompletableFuture<Long> f : futures) {
            try {
                assertThat(f.get(10, TimeUnit.SECONDS)).isNotEqualTo(victim.pid);
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(WorkerLostException.class)
                        .hasMessageContaining(victim.name).hasMessageContaining("exit code -9");
                lost++;
            }
        }
        assertThat(lost).isBetween(1, TaskDispatch.INITIAL_WINDOW);
        assertThat(workers.started).hasSize(3);
        assertThat(p.apply(() -> 5)).isEqualTo(5);
    }

    @Test
    void aWorkerDyingDuringMapAndImapFailsItsTasksAndTheRestCompletes() {
        Pool p = pool(2);
        release = new CountDownLatch(1);
        HOLDING.clear();
        Iterator<Long> it = p.imap(x -> {
            if (x == 3) {
                HOLDING.add(InProcessWorkers.current().pid());
                release.await();
            }
            return (long) x;
        }, range(50));
        InProcessWorkers.Worker victim = awaitHolder();
        victim.kill();
        release.countDown();
        int lost = 0;
        List<Long> got = new ArrayList<>();
        while (it.hasNext()) {
            try {
                got.add(it.next());
            } catch (WorkerLostException e) {
                lost++;
            }
        }
        assertThat(lost).isPositive();
        assertThat(got.size() + lost).isEqualTo(50);
        assertThat(got).isSorted();

        assertThatThrownBy(() -> p.map(x -> {
            if (x == 7) {
                InProcessWorkers.current().exit(3);
            }
            return x;
        }, range(30), 2)).isInstanceOf(WorkerLostException.class).hasMessageContaining("exit code 3");
        assertThat(p.map(x -> x, range(10))).isEqualTo(range(10));
    }

    private InProcessWorkers.Worker awaitHolder() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (HOLDING.isEmpty()) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.onSpinWait();
        }
        long pid = HOLDING.iterator().next();
        return workers.started.stream().filter(w -> w.pid == pid).findFirst().orElseThrow();
    }

    @Test
    void terminateWithTenThousandPendingTasksReturnsAtOnce() {
        Pool p = pool(2);
        release = new CountDownLatch(1);
        List<CompletableFuture<Integer>> futures = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            futures.add(p.applyAsync(() -> {
                release.await();
                return 1;
            }));
        }
        long start = System.nanoTime();
        p.terminate();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(2000);
        assertThat(p.isTerminated()).isTrue();
        assertThat(futures).allSatisfy(f -> assertThatThrownBy(f::join).isInstanceOf(CancellationException.class));
    }

    @Test
    void shutdownNowHandsBackTasksThatNeverStarted() {
        Pool p = pool(1);
        release = new CountDownLatch(1);
        for (int i = 0; i < 10; i++) {
            p.submit(() -> {
                release.await();
                return 1;
            });
        }
        List<Runnable> neverStarted = p.shutdownNow();
        assertThat(neverStarted).hasSizeBetween(10 - TaskDispatch.INITIAL_WINDOW, 10);
        assertThat(p.isTerminated()).isTrue();
    }

    @Test
    void manyDistinctFunctionsStayInStepWithTheWorkersCache() {
        Pool p = pool(2);
        List<Integer> results = Collections.synchronizedList(new ArrayList<>());
        for (int round = 0; round < 3; round++) {
            for (int k = 0; k < FunctionLru.CAPACITY + 20; k++) {
                int add = k;
                results.addAll(p.<Integer, Integer>map(x -> x + add, List.of(1, 2, 3), 1));
            }
        }
        assertThat(results).hasSize(3 * (FunctionLru.CAPACITY + 20) * 3);
        assertThat(p.<Integer, Integer>map(x -> x * 10, List.of(1, 2), 1)).containsExactly(10, 20);
    }
}
