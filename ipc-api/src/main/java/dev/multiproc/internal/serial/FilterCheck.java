package dev.multiproc.internal.serial;

import dev.multiproc.SerializationException;

import java.io.ObjectInputFilter;

/**
 * Applies the serializer's {@link ObjectInputFilter} to the classes the fast paths read (records,
 * collections, arrays), as Java serialization applies it to the classes of its streams: the same
 * rules guard both. Stateless.
 */
final class FilterCheck {
    private FilterCheck() {
    }

    /** What the filter is told about one class. */
    private record Info(Class<?> serialClass, long arrayLength, long depth, long references, long streamBytes)
            implements ObjectInputFilter.FilterInfo {
    }

    /**
     * @param filter      the filter, or null for none
     * @param type        the class about to be made
     * @param arrayLength its element count if it is an array or a collection, else -1
     * @param depth       how deep in the value it is
     * @param references  objects read so far
     * @param streamBytes bytes of the value
     * @throws SerializationException if the filter rejects it
     */
    static void check(ObjectInputFilter filter, Class<?> type, long arrayLength, long depth, long references,
                      long streamBytes) {
        if (filter == null) {
            return;
        }
        ObjectInputFilter.Status status = filter.checkInput(new Info(type, arrayLength, depth, references, streamBytes));
        if (status == ObjectInputFilter.Status.REJECTED) {
            throw new SerializationException("rejected class " + type.getName()
                    + (arrayLength >= 0 ? " of " + arrayLength + " elements" : "") + " at depth " + depth
                    + " by the serial filter (" + filter + ")");
        }
    }

    /**
     * Checks only the limits (depth, references, bytes) of a value whose class already passed the
     * filter: a filter is asked with no class, as Java serialization asks it for back-references.
     *
     * @throws SerializationException if a limit is exceeded
     */
    static void limits(ObjectInputFilter filter, long depth, long references, long streamBytes) {
        if (filter == null) {
            return;
        }
        if (filter.checkInput(new Info(null, -1, depth, references, streamBytes)) == ObjectInputFilter.Status.REJECTED) {
            throw new SerializationException("a value nested " + depth + " deep with " + references
                    + " objects exceeds a limit of the serial filter (" + filter + ")");
        }
    }
}
