package dev.multiproc.internal.serial;

import dev.multiproc.SerializationException;
import dev.multiproc.Serializer;
import dev.multiproc.wire.HandleDescriptor;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Hostile and corrupt bytes against the standard serializer: whatever arrives, a receive either
 * returns a value or throws {@link SerializationException}, promptly, and allocates no more than
 * the bytes that came. The seed corpus is the encodings of values of every path (primitives,
 * arrays, records, collections, protobuf, Java serialization); the mutations are byte flips, cuts,
 * insertions and length fields patched to huge or negative numbers. Seeds are fixed, so CI runs
 * the same inputs every time.
 */
class SerializerFuzzTest {
    private static final Serializer SERIALIZER = Serializer.standard();

    record Small(int a, double b, String c, Object d) implements Serializable {
    }

    /** A class with no fast path: it goes through Java serialization. */
    static final class Holder implements Serializable {
        Object[] values;
        long[] longs;
        Map<String, Object> map;

        Holder(Object[] values, long[] longs, Map<String, Object> map) {
            this.values = values;
            this.longs = longs;
            this.map = map;
        }
    }

    private static final List<byte[]> CORPUS = corpus();

    private static List<byte[]> corpus() {
        List<Object> values = new ArrayList<>(Arrays.asList(null, true, 42, 7L, 2.5, "text", new byte[]{1, 2},
                new int[]{1, 2, 3}, new long[]{4, 5}, new double[]{6.0}, List.of(1, "a", List.of(2L)), Set.of(1, 2),
                Map.of("k", List.of(1)), new Small(1, 2.0, "three", null), new Small(4, 5.0, "six", List.of(7)),
                new ArrayList<>(List.of(new int[]{1})), new Date(0), new HashMap<>(Map.of(1, 2)),
                new TreeMap<>(Map.of("a", 1)), new LinkedHashSet<>(List.of("x", "y")), Duration.ofSeconds(3),
                HandleDescriptor.newBuilder().setKind("k").setProvider("p").putAttributes("a", "b").build(),
                new Holder(new Object[]{"a", 1, new long[]{2}}, new long[]{3, 4, 5}, new HashMap<>(Map.of("m", 1)))));
        List<byte[]> out = new ArrayList<>();
        for (Object v : values) {
            out.add(SERIALIZER.serialize(v));
        }
        return out;
    }

    @Property(tries = 4000, seed = "20261207")
    void mutatedEncodingsGiveAValueOrASerializationException(@ForAll("mutants") byte[] bytes) {
        readsOrRefuses(bytes);
    }

    @Property(tries = 2000, seed = "424242")
    void arbitraryBytesGiveAValueOrASerializationException(@ForAll byte[] bytes) {
        readsOrRefuses(bytes);
    }

    private static void readsOrRefuses(byte[] bytes) {
        try {
            SERIALIZER.deserialize(bytes);
        } catch (SerializationException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    @Provide
    Arbitrary<byte[]> mutants() {
        Arbitrary<byte[]> seed = Arbitraries.of(CORPUS);
        return Combinators.combine(seed, Arbitraries.integers().between(0, 4), Arbitraries.integers().between(0, 1 << 16),
                Arbitraries.of(0, 1, -1, 0x7F, 0xFF, 0x7FFFFFFF, 0x7FFFFFF0, 0xFFFFFFFF, 0x80000000, 0x00FFFFFF))
                .as(SerializerFuzzTest::mutate);
    }

    private static byte[] mutate(byte[] seed, int how, int where, int value) {
        if (seed.length == 0) {
            return seed;
        }
        int at = where % seed.length;
        byte[] b = seed.clone();
        switch (how) {
            case 0 -> b[at] ^= (byte) (value == 0 ? 1 : value);         // flip bits of one byte
            case 1 -> b = Arrays.copyOf(b, at);                           // cut short
            case 2 -> {                                                    // insert a byte
                b = new byte[seed.length + 1];
                System.arraycopy(seed, 0, b, 0, at);
                b[at] = (byte) value;
                System.arraycopy(seed, at, b, at + 1, seed.length - at);
            }
            case 3 -> {                                                    // patch 4 bytes to a length, big-endian
                if (at + 4 <= b.length) {
                    ByteBuffer.wrap(b, at, 4).putInt(value);
                }
            }
            default -> {                                                   // patch 4 bytes, little-endian
                if (at + 4 <= b.length) {
                    ByteBuffer.wrap(b, at, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(value);
                }
            }
        }
        return b;
    }

    /** @return the standard serializer's JAVA tag, then a Java serialization stream of the value */
    private static byte[] javaSerialized(Object value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] tagged = SERIALIZER.serialize(new Holder(null, null, null)); // learn the tag of the Java path
        bytes.write(tagged[0]);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }

    /**
     * @return where the length of the stream's first array is: after its class descriptor, which
     *         ends with TC_ENDBLOCKDATA and a TC_NULL super class
     */
    private static int lengthField(byte[] stream, int length) {
        for (int i = 0; i + 6 <= stream.length; i++) {
            if (stream[i] == 0x78 && stream[i + 1] == 0x70 && ByteBuffer.wrap(stream, i + 2, 4).getInt() == length) {
                return i + 2;
            }
        }
        throw new AssertionError("no array length " + length + " in the stream");
    }

    @Test
    void aLongArrayWithAPatchedLengthIsRefusedWithoutAllocatingIt() throws IOException {
        byte[] stream = javaSerialized(new long[]{1, 2});
        assertThat(stream.length).as("a message of a few dozen bytes").isLessThan(64);
        ByteBuffer.wrap(stream, lengthField(stream, 2), 4).putInt(0x7FFFFFF0);
        assertThatThrownBy(() -> SERIALIZER.deserialize(stream)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("2147483632 long elements");
    }

    @Test
    void anObjectArrayWithAPatchedLengthIsRefusedWithoutAllocatingIt() throws IOException {
        byte[] stream = javaSerialized(new Object[]{"a", "b", "c"});
        ByteBuffer.wrap(stream, lengthField(stream, 3), 4).putInt(0x7FFFFFF0);
        assertThatThrownBy(() -> SERIALIZER.deserialize(stream)).isInstanceOf(SerializationException.class);
    }

    @Test
    void aDeeplyNestedArrayIsRefusedNotAStackOverflow() {
        byte[][] stream = new byte[1][];
        Thread writer = new Thread(null, () -> { // writing it recurses as deep: give the writer a big stack
            Object nested = null;
            for (int i = 0; i < 2_100; i++) {
                nested = new Object[]{nested};
            }
            try {
                stream[0] = javaSerialized(nested);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, "deep-writer", 256L << 20);
        writer.start();
        try {
            writer.join(30_000);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertThat(stream[0]).isNotNull();
        assertThatThrownBy(() -> SERIALIZER.deserialize(stream[0])).isInstanceOf(SerializationException.class);
    }

    @Test
    void everySeedReadsBack() {
        for (byte[] seed : CORPUS) {
            Object back = SERIALIZER.deserialize(seed);
            assertThat(SERIALIZER.serialize(back)).as("re-encoding of %s", back).isNotEmpty();
        }
    }
}
