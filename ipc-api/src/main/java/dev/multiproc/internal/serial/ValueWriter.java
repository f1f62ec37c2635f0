package dev.multiproc.internal.serial;

import dev.multiproc.SerializationException;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A growable little-endian byte buffer for the bodies the standard serializer writes: fixed-size
 * numbers, unsigned varints for lengths and counts, raw bytes. Not thread-safe: one per
 * {@code serialize} call.
 */
final class ValueWriter {
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    /** Largest body the serializer makes: the largest array, less room for a frame header. */
    static final int MAX_BYTES = Integer.MAX_VALUE - 16;

    private byte[] buffer;
    private int size;

    ValueWriter(int expectedBytes) {
        buffer = new byte[Math.max(16, expectedBytes)];
    }

    int size() {
        return size;
    }

    byte[] toByteArray() {
        return size == buffer.length ? buffer : Arrays.copyOf(buffer, size);
    }

    private void ensure(int more) {
        if (size + more > buffer.length) {
            long wanted = Math.max(2L * buffer.length, (long) size + more);
            if ((long) size + more > MAX_BYTES) {
                throw new SerializationException("value of more than " + MAX_BYTES + " bytes is too large for one message");
            }
            buffer = Arrays.copyOf(buffer, (int) Math.min(wanted, MAX_BYTES));
        }
    }

    void u8(int b) {
        ensure(1);
        buffer[size++] = (byte) b;
    }

    void i32(int v) {
        ensure(4);
        INT.set(buffer, size, v);
        size += 4;
    }

    void i64(long v) {
        ensure(8);
        LONG.set(buffer, size, v);
        size += 8;
    }

    /** An unsigned varint: 7 bits a byte, low bits first, high bit set while more follow. */
    void varint(long v) {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            buffer[size++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buffer[size++] = (byte) v;
    }

    void bytes(byte[] b, int offset, int length) {
        ensure(length);
        System.arraycopy(b, offset, buffer, size, length);
        size += length;
    }

    /** @param b bytes preceded by their length as a varint */
    void lengthPrefixed(byte[] b) {
        varint(b.length);
        bytes(b, 0, b.length);
    }
}
