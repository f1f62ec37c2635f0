package dev.multiproc.internal.serial;

import dev.multiproc.SerializationException;
import dev.multiproc.Serializer;
import dev.multiproc.spi.ContextSettings;

import com.google.protobuf.Message;
import com.google.protobuf.Parser;

import java.io.ObjectInputFilter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The standard {@link Serializer}: a one-byte type tag, then the body. Fast paths for null,
 * booleans, boxed primitives, String, byte[], int[], long[], double[]; for records and the common
 * collections ({@link CompositeCodec}); protobuf {@link Message}s by type; other
 * {@link java.io.Serializable} objects (lambdas with a serializable target type, ...) through Java
 * serialization ({@link JavaSerialization}). Every class a value names is found without being
 * initialized and passes the {@link ObjectInputFilter} before anything of it runs. Thread-safe;
 * stateless but for caches.
 *
 * <pre>
 *  +-----+------------------------------------------------------------+
 *  | tag | body (little-endian)                                       |
 *  +-----+------------------------------------------------------------+
 *   NULL/TRUE/FALSE: no body      INT: 4   LONG: 8   DOUBLE: 8 (bits)
 *   STRING: UTF-8 bytes           BYTES/INTS/LONGS/DOUBLES: raw elements
 *   PROTOBUF: u16 name length, class name (UTF-8), message bytes
 *   JAVA: Java serialization stream
 *   RECORD, LIST, SET, MAP: see {@link CompositeCodec}
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
    /** Record classes read before, by loader and name: found, checked and passed by the filter once. */
    private final Map<ClassKey, RecordShape> records = new ConcurrentHashMap<>();

    private record ClassKey(ClassLoader loader, String name) {
    }

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
            return taggedString(s);
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
        if (CompositeCodec.handles(value)) {
            try {
                return CompositeCodec.write(value, this);
            } catch (CompositeCodec.Fallback shared) {
                // a collection met twice in the value, or nesting too deep: Java serialization keeps identities
            }
        }
        return JavaSerialization.write(JAVA, value);
    }

    /**
     * @param data   the array holding the bytes
     * @param offset where they start
     * @param length how many there are
     * @param <T>    the expected type
     * @return the value
     * @throws SerializationException if the bytes are corrupt, rejected by the filter, or name an
     *         unknown class; also when reading them would overflow the stack or exhaust the heap:
     *         nothing but a {@code SerializationException} leaves here, so the channel stays usable
     */
    @Override
    @SuppressWarnings("unchecked")
    public <T> T deserialize(byte[] data, int offset, int length) {
        try {
            return (T) read(data, offset, length);
        } catch (SerializationException e) {
            throw e;
        } catch (StackOverflowError e) {
            throw new SerializationException("a value of " + length + " bytes is nested too deep to be read on this"
                    + " thread's stack (the serial filter's maxdepth bounds it)", e);
        } catch (OutOfMemoryError e) {
            throw new SerializationException("a value of " + length + " bytes needs more memory than this JVM can give"
                    + " (max heap " + Runtime.getRuntime().maxMemory() + " bytes)", e);
        } catch (IndexOutOfBoundsException | NegativeArraySizeException | ClassCastException
                 | java.nio.BufferUnderflowException | ArithmeticException e) {
            // the bytes lie about their own layout; an IllegalStateException (a handle that cannot be
            // read back here) or any other deliberate refusal passes through as thrown
            throw new SerializationException("corrupt value of " + length + " bytes: " + e, e);
        }
    }

    private Object read(byte[] data, int offset, int length) {
        if (length < 1) {
            throw new SerializationException("empty value: 0 bytes, expected at least a 1-byte type tag");
        }
        ByteBuffer in = ByteBuffer.wrap(data, offset, length).order(ByteOrder.LITTLE_ENDIAN);
        byte tag = in.get();
        int body = length - 1;
        try {
            return switch (tag) {
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
                case JAVA -> JavaSerialization.read(data, offset + 1, body, filter);
                case CompositeCodec.RECORD, CompositeCodec.LIST, CompositeCodec.SET, CompositeCodec.MAP ->
                        CompositeCodec.read(data, offset, length, this, filter);
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

    /**
     * A string's tag and UTF-8 bytes in one array. An ASCII string, the common case, is copied
     * straight into it (its UTF-8 is its chars' low bytes), instead of encoding to an array and
     * copying that one behind the tag: half the garbage on a queue's put.
     */
    @SuppressWarnings("deprecation") // getBytes(int, int, byte[], int) is exact for ASCII, and the one copy into an offset
    private static byte[] taggedString(String s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            if (s.charAt(i) >= 0x80) {
                return tagged(STRING, s.getBytes(StandardCharsets.UTF_8));
            }
        }
        checkTaggedSize(n);
        byte[] out = new byte[n + 1];
        out[0] = STRING;
        s.getBytes(0, n, out, 1);
        return out;
    }

    private static void checkTaggedSize(int bodyLength) {
        if (bodyLength > Integer.MAX_VALUE - 9) {
            throw new SerializationException("value of " + bodyLength + " bytes is too large for one message");
        }
    }

    private static byte[] tagged(byte tag, byte[] body) {
        checkTaggedSize(body.length);
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
        Parser<?> parser = parsers.get(className);
        if (parser == null) {
            parser = parserOf(className);
            parsers.putIfAbsent(className, parser);
        }
        try {
            return parser.parseFrom(in);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new SerializationException("corrupt protobuf message of type " + className, e);
        }
    }

    /** Finds a message's parser; the class is checked (a Message, passed by the filter) before it is initialized. */
    private Parser<?> parserOf(String className) {
        Class<?> type = resolveClass(className);
        if (!Message.class.isAssignableFrom(type)) {
            throw new SerializationException("a protobuf value names class " + className + ", which is not a "
                    + Message.class.getName());
        }
        FilterCheck.check(filter, type, -1, 1, 1, 0);
        try {
            return (Parser<?>) type.getMethod("parser").invoke(null);
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new SerializationException("cannot read protobuf message of type " + className
                    + ": its parser() is not reachable here", e);
        }
    }

    /**
     * @param name the class name a record value gives
     * @return its shape, the class found without initializing it and passed by the serial filter
     *         (once per class and loader; later values check the filter's limits only)
     * @throws SerializationException if it is unknown here, not a usable record, or rejected
     */
    RecordShape recordShape(String name) {
        ClassKey key = new ClassKey(JavaSerialization.classLoader(), name);
        RecordShape known = records.get(key);
        if (known != null) {
            return known;
        }
        RecordShape shape = RecordShape.of(resolveClass(name));
        if (shape.unusable != null) {
            throw new SerializationException("cannot read a record of class " + name + ": " + shape.unusable);
        }
        FilterCheck.check(filter, shape.type, -1, 1, 1, 0);
        records.putIfAbsent(key, shape);
        return shape;
    }

    /**
     * Finds a class a value names, without initializing it (nothing of it runs before the filter
     * and the codec have checked it).
     *
     * @param name a class name read from a value
     * @return the class
     * @throws SerializationException if it is not on this process's class path
     */
    Class<?> resolveClass(String name) {
        try {
            return Class.forName(name, false, JavaSerialization.classLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new SerializationException("cannot read a value of class " + name
                    + ": the class is not on this process's class path", e);
        }
    }
}
