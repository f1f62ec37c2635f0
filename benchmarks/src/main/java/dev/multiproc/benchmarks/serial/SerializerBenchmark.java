package dev.multiproc.benchmarks.serial;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.multiproc.Serializer;
import org.apache.fory.Fory;
import org.apache.fory.config.Language;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A value serialized and read back, per serializer, in one JVM: the candidates for the standard
 * serializer's fast path on a small record (the record of Python's {@code (1, 2.0, 'three', None)})
 * and a {@code List<Integer>} of 1,000. Each configuration keeps an allow-list-grade defence where
 * it has one: Fory and Kryo require class registration; JDK serialization gets the project's
 * default serial filter; the standard serializer checks every class it reads with that filter.
 *
 * <p>Run: {@code mvn -q -B -pl benchmarks -am package -DskipTests}, then
 * {@code flock /tmp/bench.lock benchmarks/run.sh serial.SerializerBenchmark}. Prints JMH's table
 * (average ns per round trip) and the size of each encoding.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED"})
public class SerializerBenchmark {
    /** The small record of the comparison. */
    public record Small(int a, double b, String c, Object d) implements Serializable {
    }

    @Param({"small", "list1000"})
    public String value;

    private Object subject;
    private final Serializer standard = Serializer.standard();
    private Fory fory;
    private Kryo kryo;
    private final Output kryoOut = new Output(1 << 16, -1);

    @Setup
    public void setUp() {
        if (value.equals("small")) {
            subject = new Small(1, 2.0, "three", null);
        } else {
            List<Integer> list = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                list.add(i);
            }
            subject = list;
        }
        fory = Fory.builder().withLanguage(Language.JAVA).requireClassRegistration(true).build();
        fory.register(Small.class);
        kryo = new Kryo();
        kryo.setRegistrationRequired(true);
        kryo.register(Small.class);
        kryo.register(ArrayList.class);
        System.out.printf("%n%s encodings: standard %d B, JDK %d B, Fory %d B, Kryo %d B%n", value,
                standard.serialize(subject).length, jdkWrite(subject).length, fory.serialize(subject).length,
                kryoWrite(subject).length);
    }

    @Benchmark
    public Object standardSerializer() {
        return standard.deserialize(standard.serialize(subject));
    }

    @Benchmark
    public Object jdkSerialization() {
        byte[] bytes = jdkWrite(subject);
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            in.setObjectInputFilter(java.io.ObjectInputFilter.Config.createFilter(
                    dev.multiproc.spi.ContextSettings.DEFAULT_SERIAL_FILTER));
            return in.readObject();
        } catch (IOException | ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    @Benchmark
    public Object foryRegistered() {
        return fory.deserialize(fory.serialize(subject));
    }

    @Benchmark
    public Object kryoRegistered() {
        byte[] bytes = kryoWrite(subject);
        return kryo.readClassAndObject(new Input(bytes));
    }

    private byte[] kryoWrite(Object o) {
        kryoOut.reset();
        kryo.writeClassAndObject(kryoOut, o);
        return kryoOut.toBytes();
    }

    private static byte[] jdkWrite(Object o) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * @param args JMH options, e.g. {@code -f 1 -wi 2 -i 3}
     * @throws Exception if JMH fails
     */
    public static void main(String[] args) throws Exception {
        String[] all = new String[args.length + 1];
        all[0] = SerializerBenchmark.class.getName();
        System.arraycopy(args, 0, all, 1, args.length);
        org.openjdk.jmh.Main.main(all);
    }
}
