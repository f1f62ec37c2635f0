package dev.multiproc.internal.serial;

import dev.multiproc.SerializationException;

import java.io.Serializable;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.RecordComponent;

/**
 * How the standard serializer takes a record class apart and puts it together: its component
 * accessors and its canonical constructor, as method handles found once per class. A record the
 * library may not reach by reflection (in a named module that does not open its package) has no
 * shape: it travels through Java serialization instead. Immutable.
 */
final class RecordShape {
    private static final ClassValue<RecordShape> SHAPES = new ClassValue<>() {
        @Override
        protected RecordShape computeValue(Class<?> type) {
            return new RecordShape(type);
        }
    };

    final Class<?> type;
    final String name;
    private final MethodHandle[] accessors;
    private final MethodHandle constructor;
    /** Why this record cannot use the fast path, or null. */
    final String unusable;

    private RecordShape(Class<?> type) {
        this.type = type;
        this.name = type.getName();
        MethodHandle[] found = null;
        MethodHandle ctor = null;
        String why = null;
        if (!type.isRecord()) {
            why = type.getName() + " is not a record";
        } else if (!Serializable.class.isAssignableFrom(type)) {
            why = "record " + type.getName() + " does not implement java.io.Serializable";
        } else {
            try {
                MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(type, MethodHandles.lookup());
                RecordComponent[] components = type.getRecordComponents();
                found = new MethodHandle[components.length];
                Class<?>[] types = new Class<?>[components.length];
                for (int i = 0; i < components.length; i++) {
                    types[i] = components[i].getType();
                    found[i] = lookup.unreflect(components[i].getAccessor())
                            .asType(MethodType.methodType(Object.class, Object.class));
                }
                ctor = lookup.findConstructor(type, MethodType.methodType(void.class, types))
                        .asSpreader(Object[].class, components.length)
                        .asType(MethodType.methodType(Object.class, Object[].class));
            } catch (ReflectiveOperationException | IllegalArgumentException | SecurityException e) {
                why = "record " + type.getName() + " is not open to the library (" + e.getMessage() + ")";
                found = null;
                ctor = null;
            }
        }
        this.accessors = found;
        this.constructor = ctor;
        this.unusable = why;
    }

    /** @return the shape of a class (check {@link #unusable} before using it) */
    static RecordShape of(Class<?> type) {
        return SHAPES.get(type);
    }

    int componentCount() {
        return accessors.length;
    }

    Object component(Object record, int index) {
        try {
            return (Object) accessors[index].invokeExact(record);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new SerializationException("cannot read component " + index + " of record " + name + ": " + t, t);
        }
    }

    Object construct(Object[] components) {
        try {
            return (Object) constructor.invokeExact(components);
        } catch (ClassCastException | NullPointerException e) {
            throw new SerializationException("cannot make a record " + name + " from the values read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new SerializationException("the canonical constructor of record " + name + " refused the values read: "
                    + e, e);
        } catch (Throwable t) {
            throw new SerializationException("the canonical constructor of record " + name + " failed: " + t, t);
        }
    }
}
