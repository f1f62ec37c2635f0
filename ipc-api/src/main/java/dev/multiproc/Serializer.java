package dev.multiproc;

import dev.multiproc.internal.serial.StandardSerializer;

import java.io.ObjectInputFilter;

/**
 * Turns user objects into bytes and back: what {@link Connection#send}, the queues, the pool and
 * the managers use for the values they carry. Thread-safe.
 *
 * <p>The standard serializer ({@link #standard()}) has fast paths for null, booleans, boxed
 * primitives, strings, primitive arrays, records and the common collections, protobuf messages by
 * type, and Java serialization for any other {@link java.io.Serializable} value, read back through
 * an {@link ObjectInputFilter} ({@code multiproc.serialFilter}).
 *
 * <p>A context may use another serializer ({@code ContextOptions.builder().serializer(...)}). It
 * travels with the handles the context makes: a process that reads a queue or a pipe end made by
 * that context reads its messages with a serializer of the same class, made there with the class's
 * public no-argument constructor. So a custom serializer needs such a constructor and the same
 * class on every process's class path.
 */
public interface Serializer {
    /**
     * @param value any supported value (null allowed)
     * @return its bytes, never empty
     * @throws SerializationException if it cannot be serialized; the message names its class
     */
    byte[] serialize(Object value);

    /**
     * @param data   the array holding the bytes
     * @param offset where they start
     * @param length how many there are
     * @param <T>    the expected type
     * @return the value
     * @throws SerializationException if the bytes are corrupt, rejected, or name a class unknown here
     */
    <T> T deserialize(byte[] data, int offset, int length);

    /**
     * @param data bytes made by {@link #serialize(Object)}
     * @param <T>  the expected type
     * @return the value
     * @throws SerializationException if the bytes are corrupt, rejected, or name a class unknown here
     */
    default <T> T deserialize(byte[] data) {
        return deserialize(data, 0, data.length);
    }

    /** @return the standard serializer, with the serial filter of this process's settings */
    static Serializer standard() {
        return StandardSerializer.standard();
    }

    /**
     * @param filter the filter applied to Java-serialized values
     * @return a standard serializer with that filter
     */
    static Serializer standard(ObjectInputFilter filter) {
        return new StandardSerializer(filter);
    }
}
