package dev.multiproc.internal.serial;

import dev.multiproc.SerializationException;

import java.io.ObjectInputFilter;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The standard serializer's fast path for records and the common collections, and for the values
 * inside them: a record is its class (named once per message, then by number) and its components;
 * a collection is its kind, its size and its elements; the values inside are tagged and
 * self-delimiting:
 * <pre>
 *  value  := tag body
 *  NULL, TRUE, FALSE          -                      INT i32 | LONG i64 | DOUBLE i64 bits (little-endian)
 *  FLOAT i32 bits | SHORT i16 as i32 | BYTE u8 | CHAR u16 as i32
 *  STRING  varint n, n UTF-8 bytes                   BYTES varint n, n bytes
 *  INTS | LONGS | DOUBLES  varint n, n elements
 *  RECORD  varint class (0: new, then varint n + n UTF-8 bytes of its name; k: the k-th class
 *          of this message), then one value per component
 *  LIST | SET | MAP  kind u8 ({@link CollectionKinds}), varint n, then n values (MAP: n key, value pairs)
 *  EMBEDDED  varint n, then n bytes of a whole value of the top-level format (Java-serialized,
 *          protobuf): what this codec does not encode itself
 * </pre>
 * Values travel by value: a collection met twice in one value (shared, or containing itself), or a
 * value nested deeper than {@link #MAX_DEPTH}, makes the whole value go through Java serialization
 * instead, which keeps identities. On reading, every class is checked by the serial filter and every
 * count against the bytes left. Stateless.
 */
final class CompositeCodec {
    static final byte RECORD = 13;
    static final byte LIST = 14;
    static final byte SET = 15;
    static final byte MAP = 16;
    static final byte FLOAT = 17;
    static final byte SHORT = 18;
    static final byte BYTE = 19;
    static final byte CHAR = 20;
    static final byte EMBEDDED = 21;
    /** Deepest nesting the fast path writes; deeper values go through Java serialization. */
    static final int MAX_DEPTH = 256;

    /** The fast path cannot encode a value faithfully: the caller uses Java serialization. */
    static final class Fallback extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Fallback() {
            super(null, null, false, false);
        }
    }

    private CompositeCodec() {
    }

    /** @return whether the value is a record or collection this codec encodes (else Java serialization) */
    static boolean handles(Object value) {
        Class<?> type = value.getClass();
        return (type.isRecord() && RecordShape.of(type).unusable == null) || CollectionKinds.kindOf(value) >= 0;
    }

    /**
     * @param value      a record or collection that {@link #handles}
     * @param serializer encodes what this codec embeds
     * @return the value's bytes, of the top-level format (the tag first)
     * @throws Fallback if it must go through Java serialization instead
     */
    static byte[] write(Object value, StandardSerializer serializer) {
        Writer w = new Writer(serializer);
        w.value(value, 0);
        return w.out.toByteArray();
    }

    /**
     * @return the value
     * @throws SerializationException if the bytes are corrupt or a class is rejected
     */
    static Object read(byte[] data, int offset, int length, StandardSerializer serializer, ObjectInputFilter filter) {
        Reader r = new Reader(new ValueReader(data, offset, length), serializer, filter, length);
        Object value = r.value(0);
        if (r.in.remaining() != 0) {
            throw new SerializationException("corrupt value: " + r.in.remaining() + " bytes follow the end of a "
                    + length + "-byte value");
        }
        return value;
    }

    /** Writes one value. Not thread-safe. */
    private static final class Writer {
        final ValueWriter out = new ValueWriter(64);
        final StandardSerializer serializer;
        final List<Class<?>> classes = new ArrayList<>(4);
        IdentityHashMap<Object, Boolean> containers;

        Writer(StandardSerializer serializer) {
            this.serializer = serializer;
        }

        void value(Object v, int depth) {
            if (depth > MAX_DEPTH) {
                throw new Fallback();
            }
            switch (v) {
                case null -> out.u8(StandardSerializer.NULL);
                case Boolean b -> out.u8(b ? StandardSerializer.TRUE : StandardSerializer.FALSE);
                case Integer i -> {
                    out.u8(StandardSerializer.INT);
                    out.i32(i);
                }
                case Long l -> {
                    out.u8(StandardSerializer.LONG);
                    out.i64(l);
                }
                case Double d -> {
                    out.u8(StandardSerializer.DOUBLE);
                    out.i64(Double.doubleToRawLongBits(d));
                }
                case Float f -> {
                    out.u8(FLOAT);
                    out.i32(Float.floatToRawIntBits(f));
                }
                case Short s -> {
                    out.u8(SHORT);
                    out.i32(s);
                }
                case Byte b -> {
                    out.u8(BYTE);
                    out.u8(b);
                }
                case Character c -> {
                    out.u8(CHAR);
                    out.i32(c);
                }
                case String s -> {
                    out.u8(StandardSerializer.STRING);
                    out.lengthPrefixed(s.getBytes(StandardCharsets.UTF_8));
                }
                case byte[] b -> {
                    out.u8(StandardSerializer.BYTES);
                    out.lengthPrefixed(b);
                }
                case int[] a -> {
                    out.u8(StandardSerializer.INTS);
                    out.varint(a.length);
                    for (int x : a) {
                        out.i32(x);
                    }
                }
                case long[] a -> {
                    out.u8(StandardSerializer.LONGS);
                    out.varint(a.length);
                    for (long x : a) {
                        out.i64(x);
                    }
                }
                case double[] a -> {
                    out.u8(StandardSerializer.DOUBLES);
                    out.varint(a.length);
                    for (double x : a) {
                        out.i64(Double.doubleToRawLongBits(x));
                    }
                }
                default -> composite(v, depth);
            }
        }

        private void composite(Object v, int depth) {
            Class<?> type = v.getClass();
            if (type.isRecord()) {
                RecordShape shape = RecordShape.of(type);
                if (shape.unusable == null) {
                    record(v, shape, depth);
                    return;
                }
            }
            int kind = CollectionKinds.kindOf(v);
            if (kind >= 0) {
                if (containers == null) {
                    containers = new IdentityHashMap<>();
                }
                if (containers.put(v, Boolean.TRUE) != null) {
                    throw new Fallback(); // shared or cyclic: Java serialization keeps the identity
                }
                collection(v, kind, depth);
                return;
            }
            if (!(v instanceof Serializable) && !(v instanceof com.google.protobuf.Message)) {
                throw new SerializationException("cannot serialize a value of " + type.getName()
                        + " inside a record or collection: it does not implement java.io.Serializable");
            }
            out.u8(EMBEDDED);
            out.lengthPrefixed(serializer.serialize(v));
        }

        private void record(Object v, RecordShape shape, int depth) {
            out.u8(RECORD);
            int index = classes.indexOf(shape.type);
            if (index >= 0) {
                out.varint(index + 1);
            } else {
                classes.add(shape.type);
                out.varint(0);
                out.lengthPrefixed(shape.name.getBytes(StandardCharsets.UTF_8));
            }
            for (int i = 0; i < shape.componentCount(); i++) {
                Object c = shape.component(v, i);
                try {
                    value(c, depth + 1);
                } catch (SerializationException e) {
                    throw new SerializationException("cannot serialize component " + i + " of record " + shape.name
                            + ": " + e.getMessage(), e);
                }
            }
        }

        private void collection(Object v, int kind, int depth) {
            if (v instanceof Map<?, ?> map) {
                out.u8(MAP);
                out.u8(kind);
                out.varint(map.size());
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    value(e.getKey(), depth + 1);
                    value(e.getValue(), depth + 1);
                }
                return;
            }
            Collection<?> c = (Collection<?>) v;
            out.u8(v instanceof List<?> ? LIST : SET);
            out.u8(kind);
            out.varint(c.size());
            for (Object e : c) {
                value(e, depth + 1);
            }
        }
    }

    /** Reads one value. Not thread-safe. */
    private static final class Reader {
        final ValueReader in;
        final StandardSerializer serializer;
        final ObjectInputFilter filter;
        final long bytes;
        final List<RecordShape> classes = new ArrayList<>(4);
        long references;

        Reader(ValueReader in, StandardSerializer serializer, ObjectInputFilter filter, long bytes) {
            this.in = in;
            this.serializer = serializer;
            this.filter = filter;
            this.bytes = bytes;
        }

        Object value(int depth) {
            if (depth > MAX_DEPTH) {
                throw new SerializationException("corrupt value: nested deeper than " + MAX_DEPTH + " levels");
            }
            int tag = in.u8();
            return switch (tag) {
                case StandardSerializer.NULL -> null;
                case StandardSerializer.TRUE -> Boolean.TRUE;
                case StandardSerializer.FALSE -> Boolean.FALSE;
                case StandardSerializer.INT -> in.i32();
                case StandardSerializer.LONG -> in.i64();
                case StandardSerializer.DOUBLE -> Double.longBitsToDouble(in.i64());
                case FLOAT -> Float.intBitsToFloat(in.i32());
                case SHORT -> (short) in.i32();
                case BYTE -> (byte) in.u8();
                case CHAR -> (char) in.i32();
                case StandardSerializer.STRING -> {
                    int n = in.count(1, "string bytes");
                    int at = in.skip(n);
                    yield new String(in.data(), at, n, StandardCharsets.UTF_8);
                }
                case StandardSerializer.BYTES -> in.bytes(in.count(1, "bytes"));
                case StandardSerializer.INTS -> {
                    int[] a = new int[array(int[].class, 4, depth)];
                    for (int i = 0; i < a.length; i++) {
                        a[i] = in.i32();
                    }
                    yield a;
                }
                case StandardSerializer.LONGS -> {
                    long[] a = new long[array(long[].class, 8, depth)];
                    for (int i = 0; i < a.length; i++) {
                        a[i] = in.i64();
                    }
                    yield a;
                }
                case StandardSerializer.DOUBLES -> {
                    double[] a = new double[array(double[].class, 8, depth)];
                    for (int i = 0; i < a.length; i++) {
                        a[i] = Double.longBitsToDouble(in.i64());
                    }
                    yield a;
                }
                case RECORD -> record(depth);
                case LIST, SET, MAP -> collection(tag, depth);
                case EMBEDDED -> {
                    int n = in.count(1, "embedded bytes");
                    int at = in.skip(n);
                    yield serializer.deserialize(in.data(), at, n);
                }
                default -> throw new SerializationException("corrupt value: unknown type tag " + tag + " at byte "
                        + (in.position() - 1));
            };
        }

        private int array(Class<?> type, int elementBytes, int depth) {
            int n = in.count(elementBytes, "array elements");
            FilterCheck.check(filter, type, n, depth + 1, ++references, bytes);
            return n;
        }

        private Object record(int depth) {
            long ref = in.varint();
            RecordShape shape;
            if (ref == 0) {
                int n = in.count(1, "class-name bytes");
                int at = in.skip(n);
                shape = serializer.recordShape(new String(in.data(), at, n, StandardCharsets.UTF_8));
                classes.add(shape);
            } else if (ref <= classes.size()) {
                shape = classes.get((int) ref - 1);
            } else {
                throw new SerializationException("corrupt value: record class number " + ref + " of "
                        + classes.size() + " named so far");
            }
            FilterCheck.limits(filter, depth + 1, ++references, bytes); // the class itself passed once, in recordShape
            Object[] components = new Object[shape.componentCount()];
            for (int i = 0; i < components.length; i++) {
                components[i] = value(depth + 1);
            }
            return shape.construct(components);
        }

        private Object collection(int tag, int depth) {
            int kind = in.u8();
            int n = in.count(tag == MAP ? 2 : 1, tag == MAP ? "map entries" : "elements");
            Class<?> type = CollectionKinds.typeOf(tag, kind);
            FilterCheck.check(filter, type, -1, depth + 1, ++references, bytes);
            // as Java serialization checks the array a collection reads its elements into
            FilterCheck.check(filter, Object[].class, n, depth + 1, references, bytes);
            Object[] values = new Object[tag == MAP ? 2 * n : n];
            for (int i = 0; i < values.length; i++) {
                values[i] = value(depth + 1);
            }
            return CollectionKinds.make(tag, kind, values);
        }
    }
}
