package dev.multiproc.shm.internal;

import dev.multiproc.IpcBarrier;
import dev.multiproc.IpcCondition;
import dev.multiproc.IpcEvent;
import dev.multiproc.IpcLock;
import dev.multiproc.IpcSemaphore;
import dev.multiproc.ResourceExistsException;
import dev.multiproc.ResourceNotFoundException;
import dev.multiproc.SharedDouble;
import dev.multiproc.SharedDoubleArray;
import dev.multiproc.SharedInt;
import dev.multiproc.SharedIntArray;
import dev.multiproc.SharedLong;
import dev.multiproc.SharedLongArray;
import dev.multiproc.SharedMemory;
import dev.multiproc.spi.ContextSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class ValuesAndHandlesTest {
    private final Path dir = ContextSettings.process().shmDirectory();
    private final ShmSharedObjects shared = new ShmSharedObjects(dir);

    @AfterEach
    void close() {
        shared.close();
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T handle) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(handle);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }

    @Test
    void scalarsAreAtomic() throws Exception {
        SharedInt i = shared.sharedInt(5);
        assertThat(i.incrementAndGet()).isEqualTo(6);
        assertThat(i.addAndGet(4)).isEqualTo(10);
        assertThat(i.getAndAdd(-3)).isEqualTo(10);
        assertThat(i.compareAndSet(7, 1)).isTrue();
        assertThat(i.compareAndSet(7, 2)).isFalse();
        i.set(-1);
        assertThat(i.get()).isEqualTo(-1);

        SharedLong l = shared.sharedLong(Long.MAX_VALUE - 1);
        assertThat(l.incrementAndGet()).isEqualTo(Long.MAX_VALUE);
        assertThat(l.getAndAdd(-5)).isEqualTo(Long.MAX_VALUE);
        assertThat(l.compareAndSet(Long.MAX_VALUE - 5, 3)).isTrue();
        assertThat(l.addAndGet(2)).isEqualTo(5);

        SharedDouble d = shared.sharedDouble(1.5);
        assertThat(d.addAndGet(2.25)).isEqualTo(3.75);
        assertThat(d.compareAndSet(3.75, -0.0)).isTrue();
        assertThat(d.compareAndSet(0.0, 1)).as("compares bit patterns: 0.0 is not -0.0").isFalse();
        d.set(Double.NaN);
        assertThat(d.compareAndSet(Double.NaN, 2)).isTrue();
        assertThat(d.get()).isEqualTo(2.0);
    }

    @Test
    void concurrentIncrementsAndLockedUpdatesAreExact() throws Exception {
        SharedInt counter = shared.sharedInt(0);
        SharedLong guarded = shared.sharedLong(0);
        Thread[] ts = new Thread[4];
        for (int t = 0; t < ts.length; t++) {
            ts[t] = Thread.ofPlatform().start(() -> {
                for (int n = 0; n < 20_000; n++) {
                    counter.incrementAndGet();
                    try (var h = guarded.lock().acquire()) {
                        guarded.set(guarded.get() + 1); // compound update: needs the lock
                    }
                }
            });
        }
        for (Thread t : ts) {
            t.join();
        }
        assertThat(counter.get()).isEqualTo(80_000);
        assertThat(guarded.get()).isEqualTo(80_000);
    }

    @Test
    void arraysCheckIndicesAndCopyInBulk() {
        SharedIntArray ints = shared.sharedIntArray(new int[]{1, 2, 3});
        assertThat(ints.length()).isEqualTo(3);
        assertThat(ints.toArray()).containsExactly(1, 2, 3);
        assertThat(ints.addAndGet(1, 40)).isEqualTo(42);
        assertThat(ints.compareAndSet(2, 3, 30)).isTrue();
        assertThatThrownBy(() -> ints.get(3)).isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessageContaining("3").hasMessageContaining("length 3");
        assertThatThrownBy(() -> ints.set(-1, 0)).isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> ints.copyFrom(new int[4])).isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessageContaining("4 elements").hasMessageContaining("length 3");
        ints.copyFrom(new int[]{9, 8});
        assertThat(ints.toArray()).containsExactly(9, 8, 30);

        long[] big = IntStream.range(0, 1 << 20).asLongStream().toArray();
        SharedLongArray longs = shared.sharedLongArray(new long[big.length]);
        longs.copyFrom(big);
        assertThat(longs.toArray()).isEqualTo(big);
        assertThat(longs.addAndGet(5, 10)).isEqualTo(15);
        long[] head = new long[8];
        longs.copyTo(head);
        assertThat(head).containsExactly(0, 1, 2, 3, 4, 15, 6, 7);
        assertThatThrownBy(() -> ints.copyTo(new int[4])).isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessageContaining("4 elements").hasMessageContaining("length 3");
        int[] intHead = new int[2];
        ints.copyTo(intHead);
        assertThat(intHead).containsExactly(9, 8);

        SharedDoubleArray doubles = shared.sharedDoubleArray(new double[]{0.5, 1.5});
        assertThat(doubles.addAndGet(1, 1)).isEqualTo(2.5);
        assertThat(doubles.compareAndSet(0, 0.5, 7)).isTrue();
        assertThat(doubles.toArray()).containsExactly(7, 2.5);
        double[] all = new double[2];
        doubles.copyTo(all);
        assertThat(all).containsExactly(7, 2.5);
        assertThat(shared.sharedIntArray(new int[0]).toArray()).isEmpty();
    }

    @Test
    void everyHandleSurvivesSerializationAndSharesTheSameMemory() throws Exception {
        SharedInt i = shared.sharedInt(1);
        roundTrip(i).incrementAndGet();
        assertThat(i.get()).isEqualTo(2);

        SharedDoubleArray arr = shared.sharedDoubleArray(new double[3]);
        roundTrip(arr).set(2, 4.5);
        assertThat(arr.get(2)).isEqualTo(4.5);

        IpcLock lock = shared.lock();
        IpcLock lockCopy = roundTrip(lock);
        lockCopy.lock();
        assertThat(lock.isLocked()).isTrue();
        lock.unlock(); // same thread, same process: the same owner

        IpcLock valueLock = roundTrip(i.lock());
        valueLock.lock();
        assertThat(i.lock().isLocked()).isTrue();
        i.lock().unlock();

        IpcCondition cond = roundTrip(lock.newCondition());
        lock.lock();
        assertThat(cond.await(10, TimeUnit.MILLISECONDS)).isFalse();
        lock.unlock();

        IpcSemaphore sem = shared.semaphore(0, true);
        assertThatThrownBy(roundTrip(sem)::release).isInstanceOf(IllegalStateException.class);

        IpcEvent event = shared.event();
        roundTrip(event).set();
        assertThat(event.isSet()).isTrue();

        IpcBarrier barrier = shared.barrier(3);
        assertThat(roundTrip(barrier).parties()).isEqualTo(3);

        SharedMemory mem = shared.sharedMemory(100);
        try (SharedMemory copy = roundTrip(mem)) {
            copy.segment().set(ValueLayout.JAVA_INT, 0, 77);
            assertThat(mem.segment().get(ValueLayout.JAVA_INT, 0)).isEqualTo(77);
        }
        assertThat(Files.exists(dir.resolve(mem.name()))).as("closing an attached copy never unlinks").isTrue();
    }

    @Test
    void namedSharedMemoryCreatesAttachesAndUnlinks() {
        String name = "test-block-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        SharedMemory block = shared.sharedMemory(name, 10_000);
        assertThat(block.name()).isEqualTo(ContextSettings.FILE_PREFIX + name);
        assertThat(block.size()).isEqualTo(10_000);
        assertThatThrownBy(() -> shared.sharedMemory(name, 10)).isInstanceOf(ResourceExistsException.class)
                .hasMessageContaining(name);
        try (SharedMemory other = shared.attachSharedMemory(block.name())) {
            other.segment().set(ValueLayout.JAVA_LONG, 9_992, 123L);
            assertThat(block.segment().get(ValueLayout.JAVA_LONG, 9_992)).isEqualTo(123L);
            assertThat(other.size()).isEqualTo(10_000);
        }
        SharedMemory again = shared.attachSharedMemory(name); // without the prefix too
        again.unlink();
        assertThatThrownBy(() -> shared.attachSharedMemory(name)).isInstanceOf(ResourceNotFoundException.class)
                .hasMessageContaining(name);
        assertThat(block.segment().get(ValueLayout.JAVA_LONG, 9_992)).as("mappings outlive unlink").isEqualTo(123L);
        block.close();
        block.close();
        assertThatThrownBy(block::segment).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> shared.sharedMemory("bad/name", 10)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void closingTheFactoryUnlinksEverythingItCreatedAndOnlyThat() {
        String prefix = Segments.GENERATED_PREFIX + ProcessHandle.current().pid() + "-";
        ShmSharedObjects other = new ShmSharedObjects(dir);
        SharedInt i = other.sharedInt(3);
        other.lock();
        other.barrier(2);
        SharedMemory attached = other.attachSharedMemory(shared.sharedMemory(64).name());
        Path intFile = dir.resolve(i.toString().substring("SharedInt[".length(), i.toString().length() - 1));
        assertThat(intFile).exists().matches(p -> p.getFileName().toString().startsWith(prefix));
        other.close();
        other.close();
        assertThat(intFile).doesNotExist();
        assertThat(dir.resolve(attached.name())).as("attached, not owned: left alone").exists();
        assertThatThrownBy(i::get).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> other.sharedInt(1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void durableQueueIsNotPartOfThisModuleYet() {
        assertThatThrownBy(() -> shared.durableQueue(Path.of("/tmp/q"))).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("durableQueue(/tmp/q) is not available yet");
    }

    @Test
    void futexIsNativeHereAndTimesOut() {
        assertThat(Futex.isNative()).isEqualTo(System.getProperty("os.name").toLowerCase().contains("linux"));
        IpcEvent event = shared.event();
        long start = System.nanoTime();
        Futex.wait(((ShmEvent) event).toString().isEmpty() ? 0 : addressOf(event), 0, TimeUnit.MILLISECONDS.toNanos(30));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(25), Duration.ofSeconds(2));
        Futex.wake(addressOf(event), 1); // nobody sleeps: returns at once
    }

    private static long addressOf(IpcEvent event) {
        try {
            var f = ShmEvent.class.getDeclaredField("stateAddress");
            f.setAccessible(true);
            return f.getLong(event);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
