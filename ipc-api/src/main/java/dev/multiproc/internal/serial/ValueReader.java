package dev.multiproc.internal.serial;

import dev.multiproc.SerializationException;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Reads what {@link ValueWriter} wrote, from a slice of an array, checking every length against
 * the bytes that are left: a count or a length that the rest of the message cannot hold is refused
 * before anything is allocated for it. Every failure is a {@link SerializationException} naming
 * the position. Not thread-safe: one per {@code deserialize} call.
 */
final class ValueReader {
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final byte[] data;
    private final int end;
    private int position;

    ValueReader(byte[] data, int offset, int length) {
        this.data = data;
        this.position = offset;
        this.end = offset + length;
    }

    int remaining() {
        return end - position;
    }

    int position() {
        return position;
    }

    private void need(int bytes, String what) {
        if (bytes < 0 || end - position < bytes) {
            throw new SerializationException("value cut short: " + what + " needs " + bytes + " bytes, "
                    + (end - position) + " are left");
        }
    }

    int u8() {
        need(1, "a byte");
        return data[position++] & 0xFF;
    }

    int i32() {
        need(4, "an int");
        int v = (int) INT.get(data, position);
        position += 4;
        return v;
    }

    long i64() {
        need(8, "a long");
        long v = (long) LONG.get(data, position);
        position += 8;
        return v;
    }

    long varint() {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = u8();
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new SerializationException("corrupt value: a varint at byte " + position + " is longer than 10 bytes");
    }

    /**
     * @param unitBytes the least number of bytes each counted thing takes
     * @param what      what is counted, for messages
     * @return a count, checked against the bytes left
     */
    int count(int unitBytes, String what) {
        long n = varint();
        if (n < 0 || n > Integer.MAX_VALUE || n * Math.max(1, unitBytes) > remaining()) {
            throw new SerializationException("corrupt value: " + n + " " + what + " of at least " + Math.max(1, unitBytes)
                    + " bytes each cannot fit the " + remaining() + " bytes left");
        }
        return (int) n;
    }

    /** @return the next {@code length} bytes, copied */
    byte[] bytes(int length) {
        need(length, "a byte string");
        byte[] b = Arrays.copyOfRange(data, position, position + length);
        position += length;
        return b;
    }

    /** @return the offset of the next {@code length} bytes, which the caller reads from {@link #data()} */
    int skip(int length) {
        need(length, "a byte string");
        int at = position;
        position += length;
        return at;
    }

    byte[] data() {
        return data;
    }
}
