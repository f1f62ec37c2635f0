package dev.multiproc.shm.internal.queue;

import dev.multiproc.IpcException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

import static dev.multiproc.shm.internal.queue.SlotQueueDescriptor.COUNTED;
import static dev.multiproc.shm.internal.queue.SlotQueueDescriptor.OUT_OF_LINE;
import static dev.multiproc.shm.internal.queue.SlotQueueDescriptor.SLOT_FLAGS_OFFSET;
import static dev.multiproc.shm.internal.queue.SlotQueueDescriptor.UNFINISHED_OFFSET;

/**
 * Copies items into slots this process claimed for writing and out of slots it claimed for
 * reading: inline when they fit, else through a file of their own ({@link OutOfLineItems}) whose
 * name the slot holds. A slot's length and name are checked before anything is read on them, so a
 * corrupt slot fails its take with a message instead of reading out of bounds. Thread-safe.
 */
final class SlotItems {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final MemorySegment body;
    private final SlotRing ring;
    private final OutOfLineItems outOfLine;
    private final int inlineBytes;
    private final int maxItemBytes;
    private final boolean joinable;
    private final String name;

    SlotItems(MemorySegment body, SlotRing ring, OutOfLineItems outOfLine, int inlineBytes, int maxItemBytes,
              boolean joinable, String name) {
        this.body = body;
        this.ring = ring;
        this.outOfLine = outOfLine;
        this.inlineBytes = inlineBytes;
        this.maxItemBytes = maxItemBytes;
        this.joinable = joinable;
        this.name = name;
    }

    /**
     * Writes an item too large for a slot to its own file, before a slot is claimed, so that the
     * slot is held only for the few stores of its name.
     *
     * @return the file's name suffix, or null if the item fits inline
     */
    String prepare(byte[] item) {
        return item.length > inlineBytes ? outOfLine.write(item) : null;
    }

    /** Removes the file {@link #prepare} wrote for an item that was not put after all. */
    void discard(String file) {
        if (file != null) {
            outOfLine.delete(file);
        }
    }

    /**
     * Fills a claimed slot and publishes it; a joinable queue counts the item first.
     *
     * @param p    the claimed position
     * @param item the item
     * @param file what {@link #prepare} returned for it
     */
    void fillAndCommit(long p, byte[] item, String file) {
        long payload = ring.payloadOffset(p);
        int flags = 0;
        if (file == null) {
            MemorySegment.copy(item, 0, body, ValueLayout.JAVA_BYTE, payload, item.length);
        } else {
            byte[] suffix = file.getBytes(StandardCharsets.US_ASCII);
            body.set(ValueLayout.JAVA_INT_UNALIGNED, payload, suffix.length);
            MemorySegment.copy(suffix, 0, body, ValueLayout.JAVA_BYTE, payload + 4, suffix.length);
            flags |= OUT_OF_LINE;
        }
        if (joinable) {
            LONG.getAndAdd(body, (long) UNFINISHED_OFFSET, 1L); // volatile: before the item is visible, so taskDone never underflows
            flags |= COUNTED;
            INT.set(body, ring.slotOffset(p) + SLOT_FLAGS_OFFSET, flags); // after the add: a freed slot of a dead producer says whether it counted
        }
        ring.commit(p, item.length, flags);
    }

    /**
     * Copies a claimed item out and frees its slot, also when the slot proves corrupt (that item
     * is dropped and the queue goes on). The caller wakes waiting producers.
     *
     * @param p the claimed position
     * @return the item
     * @throws IpcException if the slot's length or file name is out of bounds, or its file unreadable
     */
    byte[] readOut(long p) {
        String file = null;
        try {
            int length = ring.length(p);
            boolean outside = (ring.flags(p) & OUT_OF_LINE) != 0;
            int limit = outside ? maxItemBytes : inlineBytes;
            if (length <= 0 || length > limit) {
                throw new IpcException(name + " is corrupt: the slot of position " + p + " says its item has " + length
                        + " bytes, outside 1.." + limit + "; the item was dropped");
            }
            long payload = ring.payloadOffset(p);
            if (!outside) {
                byte[] item = new byte[length];
                MemorySegment.copy(body, ValueLayout.JAVA_BYTE, payload, item, 0, length);
                return item;
            }
            int n = body.get(ValueLayout.JAVA_INT_UNALIGNED, payload);
            if (n <= 0 || n > inlineBytes - 4) {
                throw new IpcException(name + " is corrupt: the slot of position " + p + " names an item file of " + n
                        + " characters; the item was dropped");
            }
            byte[] suffix = new byte[n];
            MemorySegment.copy(body, ValueLayout.JAVA_BYTE, payload + 4, suffix, 0, n);
            file = new String(suffix, StandardCharsets.US_ASCII);
            return outOfLine.read(file, length);
        } finally {
            ring.free(p); // a release store after the copy: the next producer's CAS sees the slot read
            if (file != null) {
                outOfLine.delete(file);
            }
        }
    }
}
