package dev.multiproc.internal.serial;

import dev.multiproc.SerializableCallable;
import dev.multiproc.SerializationException;
import dev.multiproc.SerializableFunction;
import dev.multiproc.Serializer;

import dev.multiproc.wire.StackFrame;
import org.junit.jupiter.api.Test;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StandardSerializerTest {
    private final Serializer serializer = Serializer.standard();

    record Point(int x, int y) implements Serializable {
    }

    private Object roundTrip(Object value) {
        return serializer.deserialize(serializer.serialize(value));
    }

    @Test
    void aStringIsItsUtf8BytesBehindOneTagWhetherAsciiOrNot() {
        byte tag = serializer.serialize("x")[0];
        for (String s : List.of("line 7: ascii", "héllo", "\uD83D\uDE00", "\u007F", "")) {
            byte[] bytes = serializer.serialize(s);
            assertThat(bytes[0]).as("tag of %s", s).isEqualTo(tag);
            assertThat(Arrays.copyOfRange(bytes, 1, bytes.length)).as(s).containsExactly(s.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void fastPathsRoundTrip() {
        for (Object value : List.of(true, false, 42, -7L, 3.25, "héllo", "", "line 7: ascii", "\uD83D\uDE00 not BMP", "\u007F\u0080")) {
            assertThat(roundTrip(value)).isEqualTo(value);
        }
        assertThat(roundTrip(null)).isNull();
        assertThat((byte[]) roundTrip(new byte[]{1, 2, 3})).containsExactly(1, 2, 3);
        assertThat((int[]) roundTrip(new int[]{1, -2, Integer.MAX_VALUE})).containsExactly(1, -2, Integer.MAX_VALUE);
        assertThat((long[]) roundTrip(new long[]{Long.MIN_VALUE, 5})).containsExactly(Long.MIN_VALUE, 5);
        assertThat((double[]) roundTrip(new double[]{Double.NaN, 1.5})).containsExactly(Double.NaN, 1.5);
    }

    @Test
    void fastPathsAreCompact() {
        assertThat(serializer.serialize(42)).hasSize(5);
        assertThat(serializer.serialize("abc")).hasSize(4);
        assertThat(serializer.serialize(null)).hasSize(1);
    }

    @Test
    void protobufMessagesRoundTripByType() {
        StackFrame beat = StackFrame.newBuilder().setDeclaringClass("a.B").setLineNumber(123).build();
        assertThat(roundTrip(beat)).isEqualTo(beat);
    }

    @Test
    void recordsAndCollectionsGoThroughJavaSerialization() {
        assertThat(roundTrip(new Point(1, 2))).isEqualTo(new Point(1, 2));
        assertThat(roundTrip(Map.of("a", List.of(1, 2)))).isEqualTo(Map.of("a", List.of(1, 2)));
    }

    @Test
    void serializableLambdasRoundTrip() throws Exception {
        int captured = 5;
        SerializableFunction<Integer, Integer> add = x -> x + captured;
        @SuppressWarnings("unchecked")
        SerializableFunction<Integer, Integer> back = (SerializableFunction<Integer, Integer>) roundTrip(add);
        assertThat(back.apply(1)).isEqualTo(6);
    }

    @Test
    void unserializableValueNamesItsClass() {
        assertThatThrownBy(() -> serializer.serialize(new Object()))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("java.lang.Object");
        assertThatThrownBy(() -> serializer.serialize(List.of(new Thread())))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("java.lang.Thread");
    }

    @Test
    void aSerializableLambdaCapturingAPathNamesThePathAndSaysWhatToCapture() {
        java.nio.file.Path file = java.nio.file.Path.of("/tmp/input.txt");
        SerializableCallable<Long> task = () -> java.nio.file.Files.size(file);
        assertThatThrownBy(() -> serializer.serialize(task))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("it is serializable, but it captures a " + file.getClass().getName()
                        + " (a java.nio.file.Path)")
                .hasMessageContaining("capture a serializable value instead")
                .hasMessageContaining("build the Path in the target")
                .hasMessageNotContaining("give it a serializable type");
        Runnable plain = () -> { };
        assertThatThrownBy(() -> serializer.serialize(plain))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("give it a serializable type such as SerializableCallable");
    }

    @Test
    void corruptBytesGiveClearErrors() {
        assertThatThrownBy(() -> serializer.deserialize(new byte[0]))
                .isInstanceOf(SerializationException.class).hasMessageContaining("0 bytes");
        assertThatThrownBy(() -> serializer.deserialize(new byte[]{99}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("unknown type tag 99");
        assertThatThrownBy(() -> serializer.deserialize(new byte[]{StandardSerializer.INT, 1, 2}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("2-byte body, expected 4");
        assertThatThrownBy(() -> serializer.deserialize(new byte[]{StandardSerializer.JAVA, 1, 2, 3}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("corrupt");
    }

    @Test
    void filterRejectsGadgetClasses() {
        Serializer strict = Serializer.standard(java.io.ObjectInputFilter.Config.createFilter("!dev.multiproc.internal.serial.StandardSerializerTest$Point"));
        byte[] bytes = serializer.serialize(new Point(1, 2));
        assertThatThrownBy(() -> strict.deserialize(bytes))
                .isInstanceOf(SerializationException.class).hasMessageContaining("rejected");
    }
}
