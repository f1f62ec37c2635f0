package dev.multiproc.systemtests.shm;

import dev.multiproc.Context;
import dev.multiproc.IpcBarrier;
import dev.multiproc.IpcCondition;
import dev.multiproc.IpcEvent;
import dev.multiproc.IpcLock;
import dev.multiproc.IpcProcess;
import dev.multiproc.IpcSemaphore;
import dev.multiproc.Multiproc;
import dev.multiproc.ProcessTarget;
import dev.multiproc.ResourceNotFoundException;
import dev.multiproc.SharedDoubleArray;
import dev.multiproc.SharedInt;
import dev.multiproc.SharedIntArray;
import dev.multiproc.SharedLong;
import dev.multiproc.SharedLongArray;
import dev.multiproc.SharedMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The contract of shared values and synchronization primitives across real processes, modelled on
 * CPython's {@code _test_multiprocessing}: every handle is captured by a child's target lambda and
 * re-attached there. One subclass per transport whose contexts hand these objects out.
 */
public abstract class SharedObjectsContractTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    protected Context ctx;

    /** @return a new context of the transport under test */
    protected abstract Context newContext();

    @BeforeEach
    void open() {
        ctx = newContext();
    }

    @AfterEach
    void close() {
        ctx.close();
    }

    private static void joinOk(IpcProcess... ps) throws InterruptedException {
        for (IpcProcess p : ps) {
            assertThat(p.join(WAIT)).as("%s exits in time", p.name()).isTrue();
            assertThat(p.exitCode()).as("%s exit code (failure: %s)", p.name(), p.failure()).isEqualTo(OptionalInt.of(0));
        }
    }

    @Test
    void valuesAndMemoryAreSharedWithAChild() throws Exception {
        SharedInt i = ctx.sharedInt(41);
        SharedIntArray arr = ctx.sharedIntArrayOf(1, 2, 3);
        SharedMemory block = ctx.sharedMemory(4096);
        String blockName = block.name();
        joinOk(ctx.process(() -> {
            i.incrementAndGet();
            arr.copyFrom(new int[]{7, 8, 9});
            try (SharedMemory mine = block) {
                mine.segment().set(ValueLayout.JAVA_LONG, 4088, 99L);
            }
            try (Context childCtx = Multiproc.context("pipe"); SharedMemory byName = childCtx.attachSharedMemory(blockName)) {
                if (byName.segment().get(ValueLayout.JAVA_LONG, 4088) != 99L) {
                    throw new AssertionError("attached by name, the child does not see its own write");
                }
            }
        }).start());
        assertThat(i.get()).isEqualTo(42);
        assertThat(arr.toArray()).containsExactly(7, 8, 9);
        assertThat(block.segment().get(ValueLayout.JAVA_LONG, 4088)).isEqualTo(99L);
        assertThat(java.nio.file.Files.exists(dev.multiproc.spi.ContextSettings.process().shmDirectory().resolve(blockName)))
                .as("a child closing its attached copy never unlinks").isTrue();
    }

    @Test
    void arrayElementsCountAtomicallyAcrossProcesses() throws Exception {
        SharedLongArray longs = ctx.sharedLongArray(4);
        SharedIntArray ints = ctx.sharedIntArray(4);
        int rounds = 5_000;
        ProcessTarget count = () -> {
            for (int r = 0; r < rounds; r++) {
                longs.incrementAndGet(2);
                longs.getAndAdd(3, 2L);
                ints.incrementAndGet(1);
                ints.getAndAdd(0, 3);
            }
        };
        IpcProcess a = ctx.process(count).start();
        IpcProcess b = ctx.process(count).start();
        joinOk(a, b);
        assertThat(longs.toArray()).containsExactly(0L, 0L, 2L * rounds, 4L * rounds);
        assertThat(ints.toArray()).containsExactly(6 * rounds, 2 * rounds, 0, 0);
        assertThat(longs.getAndAdd(2, 5L)).isEqualTo(2L * rounds);
        assertThat(longs.incrementAndGet(2)).isEqualTo(2L * rounds + 6);
        assertThatThrownBy(() -> ints.incrementAndGet(4)).isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessageContaining("4");
    }

    @Test
    void aHugeArrayOfZerosTouchesNoPageWhenCreated() throws Exception {
        long before = residentBytes();
        SharedLongArray huge = ctx.sharedLongArray(100_000_000); // 800 MB of zeros
        long grown = residentBytes() - before;
        assertThat(grown).as("resident bytes grown by creating an 800 MB array of zeros").isLessThan(64L << 20);
        assertThat(huge.length()).isEqualTo(100_000_000);
        assertThat(huge.get(99_999_999)).isZero();
        huge.set(50_000_000, 7L);
        assertThat(huge.get(50_000_000)).isEqualTo(7L);
    }

    private static long residentBytes() throws java.io.IOException {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new AssertionError("no VmRSS in /proc/self/status");
    }

    @Test
    void useAfterTheContextClosedNamesTheValue() {
        Context other = newContext();
        SharedLong counter = other.sharedLong(1);
        SharedDoubleArray doubles = other.sharedDoubleArray(2);
        other.close();
        assertThatThrownBy(counter::get).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("SharedLong[").hasMessageContaining("is closed in this process");
        assertThatThrownBy(() -> doubles.set(0, 1.0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("SharedDoubleArray[").hasMessageContaining("is closed in this process");
        assertThatThrownBy(doubles::toArray).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is closed in this process");
    }

    @Test
    void unlinkingTwiceSaysTheNameIsGoneAndTheMappingStaysUsable() throws Exception {
        SharedMemory block = ctx.sharedMemory(4096);
        String name = block.name();
        block.unlink();
        assertThatThrownBy(block::unlink).isInstanceOf(ResourceNotFoundException.class)
                .hasMessageContaining(name).hasMessageContaining("unlinked already");
        assertThatThrownBy(() -> ctx.attachSharedMemory(name)).isInstanceOf(ResourceNotFoundException.class);
        block.segment().set(ValueLayout.JAVA_LONG, 0, 7L);
        assertThat(block.segment().get(ValueLayout.JAVA_LONG, 0)).isEqualTo(7L);
        block.close();

        SharedMemory other = ctx.sharedMemory(4096);
        String otherName = other.name();
        joinOk(ctx.process(() -> {
            try (Context childCtx = Multiproc.context("pipe"); SharedMemory attached = childCtx.attachSharedMemory(otherName)) {
                attached.unlink(); // another process unlinks it
            }
        }).start());
        assertThatThrownBy(other::unlink).isInstanceOf(ResourceNotFoundException.class).hasMessageContaining(otherName);
        other.close();
    }

    @Test
    void lockHeldByAChildRefusesTryLockAndUnlockFromOthers() throws Exception {
        IpcLock lock = ctx.lock();
        IpcEvent release = ctx.event();
        IpcProcess child = childHolding(lock::lock, release, lock::unlock);
        assertThat(lock.isLocked()).isTrue();
        assertThat(lock.tryLock()).isFalse();
        assertThat(lock.tryLock(100, TimeUnit.MILLISECONDS)).isFalse();
        assertThatThrownBy(lock::unlock).isInstanceOf(IllegalMonitorStateException.class)
                .hasMessageContaining("held by process " + child.pid());
        release.set();
        assertThat(lock.tryLock(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        lock.unlock();
        assertThatThrownBy(lock::unlock).isInstanceOf(IllegalMonitorStateException.class)
                .hasMessageContaining("not locked");
        joinOk(child);
    }

    @Test
    void rlockIsReentrantInAChildAndExcludesTheParent() throws Exception {
        IpcLock rlock = ctx.rlock();
        IpcEvent release = ctx.event();
        SharedInt result = ctx.sharedInt(0);
        IpcProcess child = childHolding(() -> {
            rlock.lock();
            rlock.lock();
            rlock.lock();
        }, release, () -> {
            rlock.unlock();
            rlock.unlock();
            rlock.unlock();
            try {
                rlock.unlock();
            } catch (IllegalMonitorStateException expected) {
                result.set(1);
            }
        });
        assertThat(rlock.tryLock()).isFalse();
        release.set();
        joinOk(child);
        assertThat(result.get()).as("the extra unlock threw").isEqualTo(1);
        assertThat(rlock.isLocked()).isFalse();
    }

    @Test
    void semaphoreCountsAcrossProcessesWithTimeouts() throws Exception {
        IpcSemaphore sem = ctx.semaphore(2);
        IpcSemaphore bounded = ctx.boundedSemaphore(1);
        IpcEvent giveBack = ctx.event();
        IpcProcess child = childHolding(() -> {
            sem.acquire();
            sem.acquire();
            bounded.acquire();
        }, giveBack, () -> {
            sem.release();
            bounded.release();
        });
        assertThat(sem.availablePermits()).isZero();
        long start = System.nanoTime();
        assertThat(sem.tryAcquire(Duration.ofMillis(150))).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(140));
        assertThat(bounded.tryAcquire()).isFalse();
        giveBack.set();
        assertThat(sem.tryAcquire(WAIT)).isTrue();
        assertThat(bounded.tryAcquire(WAIT)).isTrue();
        bounded.release();
        assertThatThrownBy(bounded::release).isInstanceOf(IllegalStateException.class);
        joinOk(child);
    }

    @Test
    void eventTimesOutThenIsSetByAChild() throws Exception {
        IpcEvent event = ctx.event();
        IpcEvent go = ctx.event();
        long start = System.nanoTime();
        assertThat(event.await(Duration.ofMillis(200))).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(190), Duration.ofSeconds(5));
        IpcProcess child = ctx.process(() -> {
            go.await();
            event.set();
        }).start();
        go.set();
        assertThat(event.await(WAIT)).isTrue();
        assertThat(event.isSet()).isTrue();
        event.clear();
        assertThat(event.isSet()).isFalse();
        joinOk(child);
    }

    @Test
    void conditionSignalWakesExactlyOneThenTwoThenAllAcrossThreadsAndProcesses() throws Exception {
        IpcLock lock = ctx.lock();
        IpcCondition cond = lock.newCondition();
        SharedInt ready = ctx.sharedInt(0);
        SharedInt woken = ctx.sharedInt(0);
        List<IpcProcess> children = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            children.add(ctx.process(() -> waitOnce(lock, cond, ready, woken)).start());
        }
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            threads.add(Thread.ofPlatform().daemon().name("waiter-" + t).start(() -> {
                try {
                    waitOnce(lock, cond, ready, woken);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        // each waiter counts itself ready while holding the lock, then awaits (releasing it): once we
        // get the lock after the count reaches 4, all four are registered on the condition
        await().atMost(WAIT).until(() -> ready.get() == 4);

        signalUnderLock(lock, () -> cond.signal());
        await().atMost(WAIT).until(() -> woken.get() >= 1);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> woken.get() == 1);

        signalUnderLock(lock, () -> cond.signal(2));
        await().atMost(WAIT).until(() -> woken.get() >= 3);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> woken.get() == 3);

        signalUnderLock(lock, cond::signalAll);
        await().atMost(WAIT).until(() -> woken.get() == 4);
        joinOk(children.toArray(IpcProcess[]::new));
        for (Thread t : threads) {
            t.join(WAIT.toMillis());
            assertThat(t.isAlive()).isFalse();
        }
    }

    private static void waitOnce(IpcLock lock, IpcCondition cond, SharedInt ready, SharedInt woken) throws InterruptedException {
        lock.lock();
        try {
            ready.incrementAndGet();
            cond.await();
            woken.incrementAndGet();
        } finally {
            lock.unlock();
        }
    }

    private static void signalUnderLock(IpcLock lock, Runnable signal) {
        lock.lock();
        try {
            signal.run();
        } finally {
            lock.unlock();
        }
    }

    @Test
    void barrierOfFiveProcessesPassesAHundredTimesInLockstep() throws Exception {
        int parties = 5;
        int passes = 100;
        IpcBarrier barrier = ctx.barrier(parties);
        SharedIntArray lastArrivals = ctx.sharedIntArray(passes);
        SharedIntArray arrivals = ctx.sharedIntArray(passes);
        List<IpcProcess> ps = new ArrayList<>();
        for (int p = 0; p < parties; p++) {
            ps.add(ctx.process(() -> {
                for (int i = 0; i < passes; i++) {
                    // lockstep: nobody may start pass i before everyone finished pass i-1
                    if (i > 0 && arrivals.get(i - 1) != parties) {
                        throw new AssertionError("pass " + i + " started with " + arrivals.get(i - 1)
                                + " of " + parties + " arrivals in pass " + (i - 1));
                    }
                    arrivals.addAndGet(i, 1);
                    int index = barrier.await(Duration.ofSeconds(60));
                    if (index == 0) {
                        lastArrivals.addAndGet(i, 1);
                    }
                    barrier.await(Duration.ofSeconds(60)); // second barrier: the check above reads a finished pass
                }
            }).start());
        }
        joinOk(ps.toArray(IpcProcess[]::new));
        for (int i = 0; i < passes; i++) {
            assertThat(lastArrivals.get(i)).as("index 0 in pass %d", i).isEqualTo(1);
        }
        assertThat(barrier.isBroken()).isFalse();
        assertThat(barrier.numberWaiting()).isZero();
    }

    @Test
    void barrierAbortResetAndTimeoutReachChildren() throws Exception {
        IpcBarrier barrier = ctx.barrier(3);
        SharedInt broken = ctx.sharedInt(0);
        IpcProcess waiter = childWaitingAt(barrier, broken);
        assertThatThrownBy(() -> barrier.await(Duration.ofMillis(100))).isInstanceOf(TimeoutException.class);
        joinOk(waiter);
        assertThat(broken.get()).isEqualTo(1);
        assertThat(barrier.isBroken()).isTrue();

        barrier.reset();
        assertThat(barrier.isBroken()).isFalse();
        IpcProcess second = childWaitingAt(barrier, broken);
        barrier.abort();
        joinOk(second);
        assertThat(broken.get()).isEqualTo(2);
        assertThatThrownBy(barrier::await).isInstanceOf(BrokenBarrierException.class);
    }

    /**
     * Starts a child that runs {@code take}, then waits for {@code release} and runs {@code giveBack};
     * returns once the child has taken what it holds.
     */
    private IpcProcess childHolding(ProcessTarget take, IpcEvent release, ProcessTarget giveBack) throws InterruptedException {
        IpcEvent held = ctx.event();
        IpcProcess child = ctx.process(() -> {
            take.run();
            held.set();
            release.await();
            giveBack.run();
        }).start();
        assertThat(held.await(WAIT)).as("the child holds it").isTrue();
        return child;
    }

    /**
     * Starts a child that awaits {@code barrier} without a timeout and counts in {@code broken} if
     * it ends broken; returns once it waits.
     */
    private IpcProcess childWaitingAt(IpcBarrier barrier, SharedInt broken) {
        IpcProcess child = ctx.process(() -> {
            try {
                barrier.await();
            } catch (BrokenBarrierException e) {
                broken.incrementAndGet();
            }
        }).start();
        await().atMost(WAIT).until(() -> barrier.numberWaiting() == 1);
        return child;
    }
}
