package dev.multiproc.internal.serial;

import dev.multiproc.SerializationException;
import dev.multiproc.Serializer;
import dev.multiproc.spi.ContextSettings;

import com.google.protobuf.Message;
import com.google.protobuf.Parser;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InvalidClassException;
import java.io.NotSerializableException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns user objects into bytes and back: a one-byte type tag, then the body. Fast paths for
 * null, booleans, boxed primitives, String, byte[], int[], long[], double[]; protobuf
 * {@link Message}s by type; other {@link Serializable} objects (records, lambdas with a
 * serializable target type) through Java serialization, read back through an
 * {@link ObjectInputFilter}. Thread-safe; stateless but for caches.
 *
 * <pre>
 *  +-----+------------------------------------------------------------+
 *  | tag | body (little-endian)                                       |
 *  +-----+------------------------------------------------------------+
 *   NULL/TRUE/FALSE: no body      INT: 4   LONG: 8   DOUBLE: 8 (bits)
 *   STRING: UTF-8 bytes           BYTES/INTS/LONGS/DOUBLES: raw elements
 *   PROTOBUF: u16 name length, class name (UTF-8), message bytes
 *   JAVA: Java serialization stream
 * </pre>
 *
 * <p>The filter pattern comes from {@code -Dmultiproc.serialFilter} (JDK
 * {@link ObjectInputFilter.Config#createFilter(String)} syntax); by default well-known
 * deserialization gadget packages are rejected and the graph depth is limited.
 */
public final class StandardSerializer implements Serializer {
    static final byte NULL = 0;
    static final byte TRUE = 1;
    static final byte FALSE = 2;
    static final byte INT = 3;
    static final byte LONG = 4;
    static final byte DOUBLE = 5;
    static final byte STRING = 6;
    static final byte BYTES = 7;
    static final byte INTS = 8;
    static final byte LONGS = 9;
    static final byte DOUBLES = 10;
    static final byte PROTOBUF = 11;
    static final byte JAVA = 12;

    private static final class Default {
        static final StandardSerializer INSTANCE = new StandardSerializer(
                ObjectInputFilter.Config.createFilter(ContextSettings.process().serialFilter()));
    }

    private final ObjectInputFilter filter;
    private final Map<String, Parser<?>> parsers = new ConcurrentHashMap<>();

    /** @param filter the filter applied to Java-serialized values */
    public StandardSerializer(ObjectInputFilter filter) {
        this.filter = filter;
    }

    /** @return the standard serializer with this process's serial filter */
    public static StandardSerializer standard() {
        return Default.INSTANCE;
    }

    /**
     * @param value any supported value
     * @return its bytes
     * @throws SerializationException if it is neither a supported type nor serializable; names the class
     */
    @Override
    public byte[] serialize(Object value) {
        if (value == null) {
            return new byte[]{NULL};
        }
        if (value instanceof Boolean b) {
            return new byte[]{b ? TRUE : FALSE};
        }
        if (value instanceof Integer i) {
            return ByteBuffer.allocate(5).order(ByteOrder.LITTLE_ENDIAN).put(INT).putInt(i).array();
        }
        if (value instanceof Long l) {
            return ByteBuffer.allocate(9).order(ByteOrder.LITTLE_ENDIAN).put(LONG).putLong(l).array();
        }
        if (value instanceof Double d) {
            return ByteBuffer.allocate(9).order(ByteOrder.LITTLE_ENDIAN).put(DOUBLE)
                    .putLong(Double.doubleToRawLongBits(d)).array();
        }
        if (value instanceof String s) {
            return tagged(STRING, s.getBytes(StandardCharsets.UTF_8));
        }
        if (value instanceof byte[] bytes) {
            return tagged(BYTES, bytes);
        }
        if (value instanceof int[] ints) {
            ByteBuffer out = ByteBuffer.allocate(checkedBodySize(ints.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
            out.put(INTS).asIntBuffer().put(ints);
            return out.array();
        }
        if (value instanceof long[] longs) {
            ByteBuffer out = ByteBuffer.allocate(checkedBodySize(longs.length, 8)).order(ByteOrder.LITTLE_ENDIAN);
            out.put(LONGS).asLongBuffer().put(longs);
            return out.array();
        }
        if (value instanceof double[] doubles) {
            ByteBuffer out = ByteBuffer.allocate(checkedBodySize(doubles.length, 8)).order(ByteOrder.LITTLE_ENDIAN);
            out.put(DOUBLES).asDoubleBuffer().put(doubles);
            return out.array();
        }
        if (value instanceof Message message) {
            byte[] name = message.getClass().getName().getBytes(StandardCharsets.UTF_8);
            byte[] body = message.toByteArray();
            return ByteBuffer.allocate(3 + name.length + body.length).order(ByteOrder.LITTLE_ENDIAN)
                    .put(PROTOBUF).putShort((short) name.length).put(name).put(body).array();
        }
        return javaSerialize(value);
    }

    /**
     * @param data   the array holding the bytes
     * @param offset where they start
     * @param length how many there are
     * @param <T>    the expected type
     * @return the value
     * @throws SerializationException if the bytes are corrupt, rejected by the filter, or name an unknown class
     */
    @Override
    @SuppressWarnings("unchecked")
    public <T> T deserialize(byte[] data, int offset, int length) {
        if (length < 1) {
            throw new SerializationException("empty value: 0 bytes, expected at least a 1-byte type tag");
        }
        ByteBuffer in = ByteBuffer.wrap(data, offset, length).order(ByteOrder.LITTLE_ENDIAN);
        byte tag = in.get();
        int body = length - 1;
        try {
            return (T) switch (tag) {
                case NULL -> {
                    expect(body, 0, tag);
                    yield null;
                }
                case TRUE -> {
                    expect(body, 0, tag);
                    yield Boolean.TRUE;
                }
                case FALSE -> {
                    expect(body, 0, tag);
                    yield Boolean.FALSE;
                }
                case INT -> {
                    expect(body, 4, tag);
                    yield in.getInt();
                }
                case LONG -> {
                    expect(body, 8, tag);
                    yield in.getLong();
                }
                case DOUBLE -> {
                    expect(body, 8, tag);
                    yield Double.longBitsToDouble(in.getLong());
                }
                case STRING -> new String(data, offset + 1, body, StandardCharsets.UTF_8);
                case BYTES -> java.util.Arrays.copyOfRange(data, offset + 1, offset + length);
                case INTS -> {
                    int[] a = new int[elements(body, 4, tag)];
                    in.asIntBuffer().get(a);
                    yield a;
                }
                case LONGS -> {
                    long[] a = new long[elements(body, 8, tag)];
                    in.asLongBuffer().get(a);
                    yield a;
                }
                case DOUBLES -> {
                    double[] a = new double[elements(body, 8, tag)];
                    in.asDoubleBuffer().get(a);
                    yield a;
                }
                case PROTOBUF -> readProtobuf(in);
                case JAVA -> javaDeserialize(new ByteArrayInputStream(data, offset + 1, body));
                default -> throw new SerializationException("unknown type tag " + tag + " in a value of "
                        + length + " bytes");
            };
        } catch (java.nio.BufferUnderflowException e) {
            throw new SerializationException("value with type tag " + tag + " is cut short at " + length + " bytes", e);
        }
    }

    /** Throws when the body length is not the one the tag implies. */
    private static void expect(int body, int expected, byte tag) {
        if (body != expected) {
            throw new SerializationException("value with type tag " + tag + " has a " + body
                    + "-byte body, expected " + expected);
        }
    }

    private static int elements(int body, int size, byte tag) {
        if (body % size != 0) {
            throw new SerializationException("array with type tag " + tag + " has a " + body
                    + "-byte body, not a multiple of " + size);
        }
        return body / size;
    }

    private static int checkedBodySize(int elements, int size) {
        long total = 1L + (long) elements * size;
        if (total > Integer.MAX_VALUE - 8) {
            throw new SerializationException("array of " + elements + " elements of " + size
                    + " bytes is too large for one message (" + total + " bytes)");
        }
        return (int) total;
    }

    private static byte[] tagged(byte tag, byte[] body) {
        if (body.length > Integer.MAX_VALUE - 9) {
            throw new SerializationException("value of " + body.length + " bytes is too large for one message");
        }
        byte[] out = new byte[body.length + 1];
        out[0] = tag;
        System.arraycopy(body, 0, out, 1, body.length);
        return out;
    }

    private Object readProtobuf(ByteBuffer in) {
        int nameLength = Short.toUnsignedInt(in.getShort());
        byte[] name = new byte[nameLength];
        in.get(name);
        String className = new String(name, StandardCharsets.UTF_8);
        Parser<?> parser = parsers.computeIfAbsent(className, StandardSerializer::parserOf);
        try {
            return parser.parseFrom(in);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new SerializationException("corrupt protobuf message of type " + className, e);
        }
    }

    private static Parser<?> parserOf(String className) {
        try {
            Class<?> type = Class.forName(className, true, classLoader());
            return (Parser<?>) type.getMethod("parser").invoke(null);
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new SerializationException("cannot read protobuf message of type " + className
                    + ": class or its parser() not found here", e);
        }
    }

    private static byte[] javaSerialize(Object value) {
        if (!(value instanceof Serializable)) {
            throw new SerializationException("cannot serialize " + describe(value)
                    + ": it does not implement java.io.Serializable");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        bytes.write(JAVA);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        } catch (NotSerializableException e) {
            throw new SerializationException("cannot serialize " + describe(value) + ": it holds a "
                    + e.getMessage() + ", which does not implement java.io.Serializable", e);
        } catch (IOException | RuntimeException e) {
            if (e instanceof SerializationException se) {
                throw se;
            }
            throw new SerializationException("cannot serialize " + describe(value) + ": " + e, e);
        }
        return bytes.toByteArray();
    }

    private static String describe(Object value) {
        Class<?> type = value.getClass();
        if (type.isSynthetic() || type.getName().contains("$$Lambda")) {
            return "lambda " + type.getName() + " (give it a serializable type such as SerializableCallable)";
        }
        return "a value of " + type.getName();
    }

    private Object javaDeserialize(InputStream in) {
        try (ObjectInputStream objects = new FilteredObjectInputStream(in, filter)) {
            return objects.readObject();
        } catch (InvalidClassException e) {
            throw new SerializationException("rejected or incompatible class while reading a value: " + e.getMessage(), e);
        } catch (ClassNotFoundException e) {
            throw new SerializationException("cannot read a value of class " + e.getMessage()
                    + ": the class is not on this process's class path", e);
        } catch (IOException e) {
            throw new SerializationException("corrupt Java-serialized value: " + e, e);
        }
    }

    private static ClassLoader classLoader() {
        ClassLoader tccl = Thread.currentThread().getContextClassLoader();
        return tccl != null ? tccl : StandardSerializer.class.getClassLoader();
    }

    /** Resolves classes through the context class loader first, and applies the filter. */
    private static final class FilteredObjectInputStream extends ObjectInputStream {
        FilteredObjectInputStream(InputStream in, ObjectInputFilter filter) throws IOException {
            super(in);
            setObjectInputFilter(filter);
        }

        @Override
        protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
            try {
                return Class.forName(desc.getName(), false, classLoader());
            } catch (ClassNotFoundException e) {
                return super.resolveClass(desc);
            }
        }
    }
}
