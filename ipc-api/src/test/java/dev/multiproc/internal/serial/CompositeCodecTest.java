package dev.multiproc.internal.serial;

import dev.multiproc.SerializationException;
import dev.multiproc.Serializer;
import org.junit.jupiter.api.Test;

import java.io.ObjectInputFilter;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Records and collections through the fast path of the standard serializer. */
class CompositeCodecTest {
    private final Serializer serializer = Serializer.standard();

    record Small(int a, double b, String c, Object d) implements Serializable {
    }

    record Everything(byte b, short s, char c, float f, long l, boolean z, int[] ints, List<String> names,
                      Map<String, Small> byName, Small inner) implements Serializable {
    }

    record NotSerializable(int x) {
    }

    record HoldsAThread(Object thread) implements Serializable {
    }

    @SuppressWarnings("unchecked")
    private <T> T roundTrip(T value) {
        byte[] bytes = serializer.serialize(value);
        return (T) serializer.deserialize(bytes);
    }

    @Test
    void aSmallRecordTakesTheFastPathAndComesBackEqual() {
        Small s = new Small(1, 2.0, "three", null);
        byte[] bytes = serializer.serialize(s);
        assertThat(bytes[0]).isEqualTo(CompositeCodec.RECORD);
        assertThat(bytes.length).as("no Java serialization stream").isLessThan(100);
        assertThat(roundTrip(s)).isEqualTo(s);
        assertThat(roundTrip(new Small(-7, Double.NaN, "äöü ☃ \uD83D\uDE00", new Small(0, 0, "", 5L))))
                .isEqualTo(new Small(-7, Double.NaN, "äöü ☃ \uD83D\uDE00", new Small(0, 0, "", 5L)));
    }

    @Test
    void everyComponentTypeRoundTrips() {
        Everything e = new Everything((byte) -1, (short) 300, 'é', 1.5f, Long.MIN_VALUE, true, new int[]{1, 2},
                List.of("a", "b"), new TreeMap<>(Map.of("x", new Small(1, 1, "1", null))), new Small(2, 2, "2", List.of()));
        Everything back = roundTrip(e);
        assertThat(back.b()).isEqualTo(e.b());
        assertThat(back.s()).isEqualTo(e.s());
        assertThat(back.c()).isEqualTo(e.c());
        assertThat(back.f()).isEqualTo(e.f());
        assertThat(back.l()).isEqualTo(e.l());
        assertThat(back.z()).isTrue();
        assertThat(back.ints()).containsExactly(1, 2);
        assertThat(back.names()).isEqualTo(e.names());
        assertThat(back.byName()).isEqualTo(e.byName()).isInstanceOf(TreeMap.class);
        assertThat(back.inner()).isEqualTo(e.inner());
    }

    @Test
    void collectionsComeBackAsTheSameClass() {
        List<Object> values = List.of(
                new ArrayList<>(List.of(1, 2, 3)), new LinkedList<>(List.of("x")), List.of(1, 2), List.of(),
                Arrays.asList(1, null, 3), Stream.of(4, 5).toList(),
                new HashSet<>(Set.of(1, 2)), new LinkedHashSet<>(List.of(3, 1, 2)), new TreeSet<>(Set.of("b", "a")),
                Set.of(7), new HashMap<>(Map.of(1, "one")), new LinkedHashMap<>(Map.of("k", List.of(1))),
                new TreeMap<>(Map.of(2, 2, 1, 1)), Map.of("a", 1, "b", 2));
        for (Object v : values) {
            byte[] bytes = serializer.serialize(v);
            assertThat(bytes[0]).as("%s takes the fast path", v.getClass()).isIn(CompositeCodec.LIST, CompositeCodec.SET,
                    CompositeCodec.MAP);
            Object back = serializer.deserialize(bytes);
            assertThat(back).as("%s", v.getClass()).isEqualTo(v);
            if (v.getClass().getName().startsWith("java.util.ImmutableCollections")) {
                // which immutable class the JDK picks depends on the size only
                assertThat(back.getClass().getName()).startsWith("java.util.ImmutableCollections");
            } else {
                assertThat(back.getClass()).isEqualTo(v.getClass());
            }
        }
        List<Integer> thousand = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            thousand.add(i);
        }
        assertThat(roundTrip(thousand)).isEqualTo(thousand);
        assertThat(serializer.serialize(thousand).length).isLessThan(6_000);
    }

    @Test
    void sharedAndCyclicCollectionsKeepTheirIdentityThroughJavaSerialization() {
        List<Object> shared = new ArrayList<>(List.of(1));
        List<Object> outer = new ArrayList<>(List.of(shared, shared));
        byte[] bytes = serializer.serialize(outer);
        assertThat(bytes[0]).isEqualTo(StandardSerializer.JAVA);
        List<?> back = (List<?>) serializer.deserialize(bytes);
        assertThat(back.get(0)).isSameAs(back.get(1));
        List<Object> cyclic = new ArrayList<>();
        cyclic.add(cyclic);
        List<?> cycle = roundTrip(cyclic);
        assertThat(cycle.get(0)).isSameAs(cycle);
    }

    @Test
    void whatCannotTravelIsNamed() {
        assertThatThrownBy(() -> serializer.serialize(new NotSerializable(1)))
                .isInstanceOf(SerializationException.class).hasMessageContaining("NotSerializable");
        assertThatThrownBy(() -> serializer.serialize(new HoldsAThread(Thread.currentThread())))
                .isInstanceOf(SerializationException.class).hasMessageContaining("component 0")
                .hasMessageContaining("java.lang.Thread");
        assertThatThrownBy(() -> serializer.serialize(List.of(new Object())))
                .isInstanceOf(SerializationException.class).hasMessageContaining("java.lang.Object");
    }

    @Test
    void theSerialFilterGuardsRecordsAndCollectionsToo() {
        Serializer strict = Serializer.standard(ObjectInputFilter.Config.createFilter(
                "!dev.multiproc.internal.serial.CompositeCodecTest$Small"));
        byte[] bytes = serializer.serialize(List.of(new Small(1, 2, "3", null)));
        assertThatThrownBy(() -> strict.deserialize(bytes)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("rejected").hasMessageContaining("Small");
        Serializer small = Serializer.standard(ObjectInputFilter.Config.createFilter("maxarray=10"));
        byte[] big = serializer.serialize(new ArrayList<>(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)));
        assertThatThrownBy(() -> small.deserialize(big)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("11 elements");
    }

    @Test
    void corruptBytesGiveSerializationExceptionsNeverOthers() {
        byte[] good = serializer.serialize(new Everything((byte) 1, (short) 2, 'c', 3f, 4L, false, new int[]{5},
                List.of("six"), Map.of("seven", new Small(8, 9, "ten", null)), null));
        for (int cut = 1; cut < good.length; cut++) {
            int length = cut;
            assertThatThrownBy(() -> serializer.deserialize(good, 0, length))
                    .as("cut at %d", cut).isInstanceOf(SerializationException.class);
        }
        java.util.Random random = new java.util.Random(11);
        for (int i = 0; i < 2000; i++) {
            byte[] bad = good.clone();
            bad[1 + random.nextInt(bad.length - 1)] = (byte) random.nextInt();
            try {
                serializer.deserialize(bad);
            } catch (SerializationException expected) {
                // fine: corrupt
            }
        }
        byte[] hugeCount = {CompositeCodec.LIST, 0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F};
        assertThatThrownBy(() -> serializer.deserialize(hugeCount)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("cannot fit");
    }
}
