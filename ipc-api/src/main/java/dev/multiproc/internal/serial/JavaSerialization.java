package dev.multiproc.internal.serial;

import dev.multiproc.SerializationException;

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

/**
 * The standard serializer's way for every {@link Serializable} value it has no fast path for:
 * Java serialization, written after a one-byte tag and read back through an
 * {@link ObjectInputFilter}, resolving classes through the context class loader first. Stateless.
 */
final class JavaSerialization {
    private JavaSerialization() {
    }

    /**
     * @param tag   the type tag written first
     * @param value the value
     * @return the tag and the Java serialization stream
     * @throws SerializationException if the value (or something it holds) is not serializable; names the class
     */
    static byte[] write(byte tag, Object value) {
        if (!(value instanceof Serializable)) {
            throw new SerializationException("cannot serialize " + describe(value)
                    + ": it does not implement java.io.Serializable");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        bytes.write(tag);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        } catch (NotSerializableException e) {
            throw new SerializationException(notSerializable(value, e.getMessage()), e);
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
        if (isLambda(type)) {
            return "lambda " + type.getName() + " (give it a serializable type such as SerializableCallable)";
        }
        return "a value of " + type.getName();
    }

    private static boolean isLambda(Class<?> type) {
        return type.isSynthetic() || type.getName().contains("$$Lambda");
    }

    /**
     * @param value     a serializable value
     * @param className the class Java serialization found not serializable inside it
     * @return why it cannot be serialized, naming what it holds and what to do
     */
    static String notSerializable(Object value, String className) {
        String held = className + publicTypeOf(className);
        if (isLambda(value.getClass())) {
            return "cannot serialize lambda " + value.getClass().getName() + ": it is serializable, but it captures a "
                    + held + ", which does not implement java.io.Serializable; capture a serializable value instead"
                    + " (a String, a number, a record of them) and build the " + simpleName(className) + " in the target";
        }
        return "cannot serialize a value of " + value.getClass().getName() + ": it holds a " + held
                + ", which does not implement java.io.Serializable";
    }

    /** @return " (a java.nio.file.Path)" for a JDK class users never name (sun.nio.fs.UnixPath), else "" */
    private static String publicTypeOf(String className) {
        if (!className.startsWith("sun.") && !className.startsWith("jdk.") && !className.startsWith("com.sun.")) {
            return "";
        }
        try {
            Class<?> c = Class.forName(className, false, JavaSerialization.class.getClassLoader());
            for (Class<?> i : c.getInterfaces()) {
                if (i.getName().startsWith("java.")) {
                    return " (a " + i.getName() + ")";
                }
            }
            for (Class<?> sup = c.getSuperclass(); sup != null && sup != Object.class; sup = sup.getSuperclass()) {
                if (sup.getName().startsWith("java.")) {
                    return " (a " + sup.getName() + ")";
                }
            }
        } catch (ClassNotFoundException | LinkageError e) {
            // only a hint
        }
        return "";
    }

    private static String simpleName(String className) {
        String hint = publicTypeOf(className);
        String name = hint.isEmpty() ? className : hint.substring(" (a ".length(), hint.length() - 1);
        return name.substring(name.lastIndexOf('.') + 1);
    }

    /**
     * @param data   the stream's bytes
     * @param offset where they start (after the tag)
     * @param length how many there are
     * @param filter the filter every class of the stream must pass
     * @return the value
     * @throws SerializationException if the stream is corrupt, or names a rejected or unknown class
     */
    static Object read(byte[] data, int offset, int length, ObjectInputFilter filter) {
        BoundedArrays bound = new BoundedArrays(length);
        ObjectInputFilter both = filter == null ? bound : ObjectInputFilter.merge(bound, filter);
        try (ObjectInputStream objects = new FilteredObjectInputStream(new ByteArrayInputStream(data, offset, length), both)) {
            return objects.readObject();
        } catch (InvalidClassException e) {
            if (bound.rejected != null) {
                throw new SerializationException(bound.rejected, e);
            }
            throw new SerializationException("rejected or incompatible class while reading a value: " + e.getMessage(), e);
        } catch (ClassNotFoundException e) {
            throw new SerializationException("cannot read a value of class " + e.getMessage()
                    + ": the class is not on this process's class path", e);
        } catch (IOException e) {
            throw new SerializationException("corrupt Java-serialized value: " + e, e);
        }
    }

    /** @return the loader classes of values are found with: the thread's context loader, else the library's */
    static ClassLoader classLoader() {
        ClassLoader tccl = Thread.currentThread().getContextClassLoader();
        return tccl != null ? tccl : JavaSerialization.class.getClassLoader();
    }

    /**
     * Rejects an array (or the array a collection reads its elements into) longer than the bytes
     * left in the stream could fill: each element takes at least its primitive size, or one byte
     * for a reference. So an announced length costs no more memory than the bytes that came.
     */
    private static final class BoundedArrays implements ObjectInputFilter {
        private final long streamLength;
        /** Why an array was rejected, for the error message. */
        String rejected;

        BoundedArrays(long streamLength) {
            this.streamLength = streamLength;
        }

        @Override
        public Status checkInput(FilterInfo info) {
            Class<?> type = info.serialClass();
            long n = info.arrayLength();
            if (type == null || !type.isArray() || n <= 0) {
                return Status.UNDECIDED;
            }
            long left = Math.max(0, streamLength - info.streamBytes());
            if (n > left / elementBytes(type.getComponentType())) {
                rejected = "corrupt Java-serialized value: an array of " + n + " " + type.getComponentType().getName()
                        + " elements announced with " + left + " bytes of the value left";
                return Status.REJECTED;
            }
            return Status.UNDECIDED;
        }

        private static long elementBytes(Class<?> component) {
            if (component == long.class || component == double.class) {
                return 8;
            }
            if (component == int.class || component == float.class) {
                return 4;
            }
            if (component == short.class || component == char.class) {
                return 2;
            }
            return 1; // byte, boolean, or a reference (at least one byte: TC_NULL)
        }
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
