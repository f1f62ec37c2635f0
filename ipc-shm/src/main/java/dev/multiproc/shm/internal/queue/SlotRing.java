package dev.multiproc.shm.internal.queue;

import dev.multiproc.spi.log.Log;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

import static dev.multiproc.shm.internal.queue.SlotQueueDescriptor.DEQUEUE_OFFSET;
import static dev.multiproc.shm.internal.queue.SlotQueueDescriptor.ENQUEUE_OFFSET;
import static dev.multiproc.shm.internal.queue.SlotQueueDescriptor.SLOTS_OFFSET;
import static dev.multiproc.shm.internal.queue.SlotQueueDescriptor.SLOT_FLAGS_OFFSET;
import static dev.multiproc.shm.internal.queue.SlotQueueDescriptor.SLOT_LENGTH_OFFSET;
import static dev.multiproc.shm.internal.queue.SlotQueueDescriptor.SLOT_PAYLOAD_OFFSET;
import static dev.multiproc.shm.internal.queue.SlotWord.FREE;
import static dev.multiproc.shm.internal.queue.SlotWord.FULL;
import static dev.multiproc.shm.internal.queue.SlotWord.READING;
import static dev.multiproc.shm.internal.queue.SlotWord.WRITING;

/**
 * The slot protocol of {@link SlotQueueDescriptor} on one mapped queue: claim a slot to write,
 * commit it, claim a committed slot to read, free it; and the recovery of slots whose holder
 * died. Never blocks: callers wait ({@link ShmByteQueue}). Thread-safe and multi-process-safe.
 */
final class SlotRing {
    private static final Log LOG = Log.of(SlotRing.class);
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    /** Returned by the claims when there is nothing to claim. */
    static final long NONE = -1;

    private final MemorySegment body;
    private final int capacity;
    private final int slotSize;

    /**
     * @param body     the queue's body, laid out and checked
     * @param capacity its slots
     * @param slotSize bytes per slot
     */
    SlotRing(MemorySegment body, int capacity, int slotSize) {
        this.body = body;
        this.capacity = capacity;
        this.slotSize = slotSize;
    }

    /** Writes each slot's first word, {@code (i, FREE)}; the creator calls it before publishing the file. */
    void initialize() {
        for (int i = 0; i < capacity; i++) {
            LONG.set(body, slotOffset(i), SlotWord.of(i, FREE, 0));
        }
    }

    int capacity() {
        return capacity;
    }

    /** @return the offset of the slot that holds {@code position} */
    long slotOffset(long position) {
        return SLOTS_OFFSET + (position % capacity) * slotSize;
    }

    /**
     * Claims the slot of the next position for writing, naming this process its holder.
     *
     * @return the position, or {@link #NONE} if the queue is full
     */
    long claimForWrite() {
        while (true) {
            long p = (long) LONG.getVolatile(body, (long) ENQUEUE_OFFSET);
            long slot = slotOffset(p);
            long w = (long) LONG.getVolatile(body, slot);
            int laps = SlotWord.lapsFrom(w, p);
            if (laps == 0 && SlotWord.state(w) == FREE) {
                if (LONG.compareAndSet(body, slot, w, SlotWord.of(p, WRITING, SlotWord.self()))) {
                    LONG.compareAndSet(body, (long) ENQUEUE_OFFSET, p, p + 1); // failing: someone helped already
                    return p;
                }
            } else if (laps >= 0) {
                LONG.compareAndSet(body, (long) ENQUEUE_OFFSET, p, p + 1); // p is claimed: help the position on
            } else if ((long) LONG.getVolatile(body, (long) ENQUEUE_OFFSET) == p) {
                return NONE; // the slot still holds the item of the lap before: full
            }
        }
    }

    /**
     * Publishes a claimed slot's item: its length and flags (plain stores) before a release store
     * of FULL, which a consumer's CAS from FULL acquires. The payload must be written already. The
     * caller then wakes sleepers, whose full fence orders this store before its read of them.
     *
     * @param position a position this process claimed for writing
     * @param length   the item's length
     * @param flags    slot flags
     */
    void commit(long position, int length, int flags) {
        long slot = slotOffset(position);
        INT.set(body, slot + SLOT_LENGTH_OFFSET, length);
        INT.set(body, slot + SLOT_FLAGS_OFFSET, flags);
        LONG.setRelease(body, slot, SlotWord.of(position, FULL, SlotWord.self()));
    }

    /**
     * Gives back a slot claimed for writing without an item: it is freed for the next lap, as if read.
     *
     * @param position a position this process claimed for writing
     */
    void abandon(long position) {
        free(position);
    }

    /**
     * Claims the oldest committed item for reading, naming this process its holder.
     *
     * @return its position, or {@link #NONE} if the queue is empty (or its oldest item is still being written)
     */
    long claimForRead() {
        while (true) {
            long p = (long) LONG.getVolatile(body, (long) DEQUEUE_OFFSET);
            long slot = slotOffset(p);
            long w = (long) LONG.getVolatile(body, slot);
            int laps = SlotWord.lapsFrom(w, p);
            int state = SlotWord.state(w);
            if (laps == 0 && state == FULL) {
                if (LONG.compareAndSet(body, slot, w, SlotWord.of(p, READING, SlotWord.self()))) {
                    LONG.compareAndSet(body, (long) DEQUEUE_OFFSET, p, p + 1);
                    return p;
                }
            } else if (laps > 0 || (laps == 0 && state == READING)) {
                LONG.compareAndSet(body, (long) DEQUEUE_OFFSET, p, p + 1); // p is taken: help the position on
            } else if ((long) LONG.getVolatile(body, (long) DEQUEUE_OFFSET) == p) {
                return NONE; // FREE or WRITING at p, or the lap before still being read: nothing to take
            }
        }
    }

    /** @return the length of the item in a slot claimed for reading (plain: the claim's CAS acquired it) */
    int length(long position) {
        return (int) INT.get(body, slotOffset(position) + SLOT_LENGTH_OFFSET);
    }

    /** @return the flags of the item in a claimed slot */
    int flags(long position) {
        return (int) INT.get(body, slotOffset(position) + SLOT_FLAGS_OFFSET);
    }

    /** @return where a slot's payload starts */
    long payloadOffset(long position) {
        return slotOffset(position) + SLOT_PAYLOAD_OFFSET;
    }

    /**
     * Frees a slot this process read (or gave up writing) for the next lap: a release store, after
     * the copy out, which the next producer's CAS acquires before it overwrites the payload. The
     * caller then wakes sleepers (a full fence first).
     *
     * @param position the claimed position
     */
    void free(long position) {
        LONG.setRelease(body, slotOffset(position), SlotWord.of(position + capacity, FREE, 0));
    }

    /**
     * @return items put and not yet taken: the positions claimed for writing and not for reading
     *         (read dequeue first, so the count is never negative), at most the capacity
     */
    long size() {
        long taken = (long) LONG.getVolatile(body, (long) DEQUEUE_OFFSET);
        long put = (long) LONG.getVolatile(body, (long) ENQUEUE_OFFSET);
        return Math.max(0, Math.min(capacity, put - taken));
    }

    /**
     * Frees every slot whose producer died while writing it: nothing of its item was visible, so
     * the position is skipped as if read. Only a CAS from the dead holder's exact word frees it, so
     * a slot a live process claimed meanwhile is left alone.
     *
     * @param onFreed told the flags of each freed slot (the producer may have counted its item)
     * @return how many slots were freed
     */
    int freeDeadWriters(java.util.function.IntConsumer onFreed) {
        int freed = 0;
        for (int i = 0; i < capacity; i++) {
            long slot = SLOTS_OFFSET + (long) i * slotSize;
            long w = (long) LONG.getVolatile(body, slot);
            if (SlotWord.state(w) == WRITING && !SlotWord.isAlive(SlotWord.holder(w))) {
                long position = positionOf(w);
                int flags = (int) INT.get(body, slot + SLOT_FLAGS_OFFSET);
                if (LONG.compareAndSet(body, slot, w, SlotWord.of(position + capacity, FREE, 0))) {
                    LOG.warn("queue item at position {} is lost: its producer, process {}, died while putting it",
                            position, SlotWord.pid(SlotWord.holder(w)));
                    onFreed.accept(flags);
                    freed++;
                }
            }
        }
        return freed;
    }

    /**
     * Takes over one slot whose consumer died while reading it: that consumer had not returned the
     * item to its program, so the item is delivered to this process's taker instead.
     *
     * @return the slot's position, now claimed for reading by this process, or {@link #NONE}
     */
    long salvage() {
        for (int i = 0; i < capacity; i++) {
            long slot = SLOTS_OFFSET + (long) i * slotSize;
            long w = (long) LONG.getVolatile(body, slot);
            if (SlotWord.state(w) == READING && !SlotWord.isAlive(SlotWord.holder(w))) {
                long position = positionOf(w);
                if (LONG.compareAndSet(body, slot, w, SlotWord.of(position, READING, SlotWord.self()))) {
                    LOG.warn("queue item at position {} is delivered again: its consumer, process {}, died while taking it",
                            position, SlotWord.pid(SlotWord.holder(w)));
                    return position;
                }
            }
        }
        return NONE;
    }

    /** @return the full position a word's 32 low bits stand for: the one nearest the dequeue position */
    private long positionOf(long word) {
        long near = (long) LONG.getVolatile(body, (long) DEQUEUE_OFFSET);
        return near + SlotWord.lapsFrom(word, near);
    }
}
