package dev.multiproc.launcher.pool.internal;

import dev.multiproc.spi.frame.FrameCodec;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The values of one chunk in one byte array, so a chunk of 10 000 inputs is one protobuf field
 * and one copy, not 10 000 of each: each value is one frame of the one frame format
 * ({@link FrameCodec}). Not thread-safe.
 *
 * <pre>
 *  +-----------------+-------------+-----------------+-------------+----
 *  | header 0 (4 B)  | value 0     | header 1 (4 B)  | value 1     | ...
 *  +-----------------+-------------+-----------------+-------------+----
 * </pre>
 * A value is what {@link dev.multiproc.Serializer} wrote, never empty (it has a type tag); an
 * empty value marks an input whose call failed.
 */
final class PackedValues {
    /** Bytes of the header before each value (values are below 2 GiB, so headers are short). */
    static final int LENGTH_BYTES = FrameCodec.SHORT_HEADER_BYTES;

    private PackedValues() {
    }

    /** Appends values. */
    static final class Writer {
        private byte[] buffer;
        private int size;
        private int count;

        Writer(int expectedBytes) {
            buffer = new byte[Math.max(16, expectedBytes)];
        }

        /** @param value a serialized value, or an empty array for a failed input */
        void add(byte[] value) {
            ensure(LENGTH_BYTES + value.length);
            int n = value.length;
            FrameCodec.writeHeader(buffer, size, n);
            System.arraycopy(value, 0, buffer, size + LENGTH_BYTES, n);
            size += LENGTH_BYTES + n;
            count++;
        }

        int count() {
            return count;
        }

        int size() {
            return size;
        }

        byte[] toByteArray() {
            return size == buffer.length ? buffer : Arrays.copyOf(buffer, size);
        }

        private void ensure(int more) {
            if (size + more > buffer.length) {
                long wanted = Math.max((long) buffer.length * 2, (long) size + more);
                if (wanted > Integer.MAX_VALUE - 8) {
                    throw new dev.multiproc.SerializationException("chunk of " + count + " values is too large for one message ("
                            + wanted + " bytes)");
                }
                buffer = Arrays.copyOf(buffer, (int) wanted);
            }
        }
    }

    /**
     * @param packed packed values
     * @return for value i, its offset at [2i] and its length at [2i+1]
     * @throws IllegalArgumentException if the bytes are cut short
     */
    static int[] index(byte[] packed) {
        int[] index = new int[16];
        MemorySegment segment = MemorySegment.ofArray(packed);
        int n = 0;
        int pos = 0;
        while (pos < packed.length) {
            long announced;
            try {
                announced = FrameCodec.readHeader(segment, pos, packed.length - pos, Integer.MAX_VALUE);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("packed value " + n + " at byte " + pos + " of " + packed.length
                        + ": " + e.getMessage(), e);
            }
            if (announced == FrameCodec.INCOMPLETE) {
                throw new IllegalArgumentException("packed values cut short at byte " + pos + " of " + packed.length);
            }
            pos += FrameCodec.headerBytesAt(segment, pos);
            int length = (int) announced;
            if (length > packed.length - pos) {
                throw new IllegalArgumentException("packed value " + n + " of " + length + " bytes at byte " + pos
                        + " overruns the " + packed.length + " bytes");
            }
            if (2 * n + 2 > index.length) {
                index = Arrays.copyOf(index, index.length * 2);
            }
            index[2 * n] = pos;
            index[2 * n + 1] = length;
            n++;
            pos += length;
        }
        return Arrays.copyOf(index, 2 * n);
    }
}
