package dev.multiproc.spi;

import dev.multiproc.SerializationException;
import dev.multiproc.Serializer;
import dev.multiproc.internal.serial.StandardSerializer;
import dev.multiproc.wire.HandleDescriptor;

import java.lang.reflect.InvocationTargetException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How a context's serializer travels with the handles it makes: a handle's descriptor names the
 * serializer's class under {@link #ATTRIBUTE} (nothing for the standard one), and the process that
 * reads the handle makes one of that class, once per class, with its public no-argument
 * constructor. The standard serializer is made with the reading process's own serial filter: the
 * filter protects the reader. Thread-safe.
 */
public final class Serializers {
    /** Descriptor attribute naming the serializer class of a handle's messages. */
    public static final String ATTRIBUTE = "serializer";
    private static final Map<String, Serializer> BY_CLASS = new ConcurrentHashMap<>();

    private Serializers() {
    }

    /**
     * @param serializer a serializer
     * @return how descriptors name it: empty for the standard serializer, else its class name
     */
    public static String nameOf(Serializer serializer) {
        return serializer instanceof StandardSerializer ? "" : serializer.getClass().getName();
    }

    /**
     * @param builder    a descriptor being built
     * @param serializer the serializer of the handle's messages
     * @return the builder, naming the serializer unless it is the standard one
     */
    public static HandleDescriptor.Builder describe(HandleDescriptor.Builder builder, Serializer serializer) {
        String name = nameOf(serializer);
        return name.isEmpty() ? builder : builder.putAttributes(ATTRIBUTE, name);
    }

    /**
     * @param descriptor a handle's descriptor
     * @return the serializer its messages are read with here
     * @throws SerializationException if the named class cannot be made here
     */
    public static Serializer of(HandleDescriptor descriptor) {
        return byName(descriptor.getAttributesOrDefault(ATTRIBUTE, ""));
    }

    /**
     * @param name what {@link #nameOf} returned in the process that made the handle
     * @return a serializer of that class here
     * @throws SerializationException if the class is missing, not a {@link Serializer}, or has no
     *         public no-argument constructor
     */
    public static Serializer byName(String name) {
        if (name == null || name.isEmpty()) {
            return StandardSerializer.standard();
        }
        return BY_CLASS.computeIfAbsent(name, Serializers::instantiate);
    }

    private static Serializer instantiate(String name) {
        try {
            ClassLoader tccl = Thread.currentThread().getContextClassLoader();
            Class<?> type = Class.forName(name, false, tccl != null ? tccl : Serializers.class.getClassLoader());
            if (!Serializer.class.isAssignableFrom(type)) {
                throw new SerializationException("handle names serializer class " + name + ", which does not implement "
                        + Serializer.class.getName());
            }
            return (Serializer) type.getConstructor().newInstance();
        } catch (ClassNotFoundException e) {
            throw new SerializationException("handle was made with serializer " + name
                    + ", which is not on this process's class path", e);
        } catch (NoSuchMethodException | IllegalAccessException | InstantiationException e) {
            throw new SerializationException("serializer " + name + " needs a public no-argument constructor, so that"
                    + " a process reading a handle of its context can make one: " + e, e);
        } catch (InvocationTargetException e) {
            throw new SerializationException("the constructor of serializer " + name + " failed: " + e.getCause(),
                    e.getCause());
        }
    }
}
