package dev.multiproc.launcher.pool.internal;

import com.google.protobuf.ByteString;
import dev.multiproc.Serializer;
import dev.multiproc.spi.wait.WaitStrategy;
import dev.multiproc.wire.TaskResult;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Ordering unit test of imap's adaptive chunks, with chunks run in the submitting thread. */
class ImapIteratorTest {
    private static final Serializer SERIALIZER = Serializer.standard();

    @Test
    void fastItemsGrowTheChunkByDoublingUpToTheTargetTime() {
        List<Integer> sizes = run(10_000, 0, 3_000); // 10 µs an item: 200 fill 2 ms
        assertThat(sizes.subList(0, 9)).containsExactly(1, 2, 4, 8, 16, 32, 64, 128, 200);
        assertThat(sizes.subList(9, sizes.size() - 1)).containsOnly(200);
    }

    @Test
    void slowItemsStayAloneInTheirChunks() {
        assertThat(run(5_000_000, 0, 50)).containsOnly(1);
    }

    @Test
    void aChunkSizeGivenIsKept() {
        List<Integer> sizes = run(10, 7, 50);
        assertThat(sizes.subList(0, sizes.size() - 1)).containsOnly(7);
        assertThat(sizes.getLast()).isEqualTo(50 % 7);
    }

    @Test
    void theVeryFastAreCappedAndReadAheadStaysBounded() {
        long[] read = {0};
        Iterator<Long> naturals = new Iterator<>() {
            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public Long next() {
                return read[0]++;
            }
        };
        List<Integer> sizes = new ArrayList<>();
        ImapIterator<Long, Long> it = new ImapIterator<>(naturals, 0, 2, 128, true, SERIALIZER,
                new WaitStrategy(WaitStrategy.DEFAULT_SPIN_NANOS, WaitStrategy.DEFAULT_YIELD_NANOS), (inputs, sink) -> {
                    // never completed while the consumer is away: they pile up ahead
                    sizes.add(inputs.count());
                    complete(inputs, sink, 1);
                });
        it.begin();
        for (long i = 0; i < 100_000; i++) {
            assertThat(it.next()).isEqualTo(2 * i);
        }
        assertThat(sizes).contains(ImapIterator.MAX_ADAPTIVE_CHUNK).allMatch(s -> s <= ImapIterator.MAX_ADAPTIVE_CHUNK);
        assertThat(read[0] - 100_000).as("inputs read ahead of the consumer").isLessThanOrEqualTo(
                2L * 2 * ImapIterator.MAX_ADAPTIVE_CHUNK); // two chunks per worker
    }

    /** @return the size of every chunk submitted for {@code count} inputs that each took {@code nanosPerItem} */
    private static List<Integer> run(long nanosPerItem, int chunksize, int count) {
        List<Integer> sizes = new ArrayList<>();
        List<Long> inputs = LongStream.range(0, count).boxed().toList();
        ImapIterator<Long, Long> it = new ImapIterator<>(inputs.iterator(), chunksize, 2, 128, true, SERIALIZER,
                new WaitStrategy(WaitStrategy.DEFAULT_SPIN_NANOS, WaitStrategy.DEFAULT_YIELD_NANOS), (chunk, sink) -> {
                    sizes.add(chunk.count());
                    complete(chunk, sink, nanosPerItem);
                });
        it.begin();
        List<Long> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        assertThat(out).isEqualTo(inputs.stream().map(x -> 2 * x).toList());
        return sizes;
    }

    private static void complete(PackedValues.Writer chunk, TaskSink sink, long nanosPerItem) {
        byte[] packed = chunk.toByteArray();
        int[] index = PackedValues.index(packed);
        PackedValues.Writer outputs = new PackedValues.Writer(packed.length);
        for (int i = 0; i < chunk.count(); i++) {
            long x = SERIALIZER.deserialize(packed, index[2 * i], index[2 * i + 1]);
            outputs.add(SERIALIZER.serialize(2 * x));
        }
        sink.completed(null, TaskResult.newBuilder().setPackedOutputs(ByteString.copyFrom(outputs.toByteArray()))
                .setRunNanos(nanosPerItem * chunk.count()).build());
    }
}
