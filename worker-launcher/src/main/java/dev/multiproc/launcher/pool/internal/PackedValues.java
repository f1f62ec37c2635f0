package dev.multiproc.launcher.pool.internal;

import java.util.Arrays;

/**
 * The values of one chunk in one byte array, so a chunk of 10 000 inputs is one protobuf field
 * and one copy, not 10 000 of each. Not thread-safe.
 *
 * <pre>
 *  +------------------+-------------+------------------+-------------+----
 *  | length 0 (u32 LE)| value 0     | length 1 (u32 LE)| value 1     | ...
 *  +------------------+-------------+------------------+-------------+----
 * </pre>
 * A value is what {@link dev.multiproc.Serializer} wrote, never empty (it has a type tag); an
 * empty value marks an input whose call failed.
 */
final class PackedValues {
    /** Bytes of the length before each value. */
    static final int LENGTH_BYTES = 4;

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
            buffer[size] = (byte) n;
            buffer[size + 1] = (byte) (n >>> 8);
            buffer[size + 2] = (byte) (n >>> 16);
            buffer[size + 3] = (byte) (n >>> 24);
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
        int n = 0;
        int pos = 0;
        while (pos < packed.length) {
            if (pos + LENGTH_BYTES > packed.length) {
                throw new IllegalArgumentException("packed values cut short at byte " + pos + " of " + packed.length);
            }
            int length = (packed[pos] & 0xff) | (packed[pos + 1] & 0xff) << 8 | (packed[pos + 2] & 0xff) << 16
                    | (packed[pos + 3] & 0xff) << 24;
            pos += LENGTH_BYTES;
            if (length < 0 || length > packed.length - pos) {
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
