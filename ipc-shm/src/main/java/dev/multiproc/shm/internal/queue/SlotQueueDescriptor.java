package dev.multiproc.shm.internal.queue;

/**
 * Layout of a multi-producer, multi-consumer queue in one file: counters, each on a 128-byte
 * stretch of its own, then {@code capacity} slots. Offsets are relative to the segment's body.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------------------------------+-------------------------------+
 *  |  capacity, int (slots)        |  slot size, int (bytes)       |    0  written once by the creator
 *  +-------------------------------+-------------------------------+
 *  |  flags, int: JOINABLE         |  closed, int: 1 once the      |    8
 *  |                               |  owner closed it (volatile)   |
 *  +-------------------------------+-------------------------------+
 *  |  largest item, int (bytes)    |  reserved                     |   16  written once by the creator
 *  +-------------------------------+-------------------------------+
 *  |  enqueue position, long: next position to claim (CAS, helped) |  128
 *  +---------------------------------------------------------------+
 *  |  dequeue position, long: next position to take (CAS, helped)  |  256
 *  +-------------------------------+-------------------------------+
 *  |  not-empty epoch, int (futex) |  not-empty sleepers, int      |  384  takers sleep here
 *  +-------------------------------+-------------------------------+
 *  |  not-full epoch, int (futex)  |  not-full sleepers, int       |  512  putters sleep here
 *  +-------------------------------+-------------------------------+
 *  |  unfinished, long: items put and not yet marked done          |  640  JoinableQueue only
 *  +-------------------------------+-------------------------------+
 *  |  all-done epoch, int (futex)  |  all-done sleepers, int       |  768  joiners sleep here
 *  +-------------------------------+-------------------------------+
 *  |  slot 0, slot 1, ... slot capacity-1 (slot size bytes each)   |  896
 *  +---------------------------------------------------------------+
 *
 *  slot (position p lives in slot p mod capacity):
 *  +---------------------------------------------------------------+
 *  |  word, long: see SlotWord (position, state, owner)            |  0
 *  +-------------------------------+-------------------------------+
 *  |  length, int: item bytes      |  flags, int: OUT_OF_LINE,     |  8
 *  |                               |  COUNTED                      |
 *  +-------------------------------+-------------------------------+
 *  |  payload: the item, or for OUT_OF_LINE the item file's name   |  16
 *  |  (an int length, then ASCII)                                  |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <b>The slot protocol.</b> The word of the slot for position {@code p} goes
 * {@code (p, FREE) -> (p, WRITING, producer) -> (p, FULL, producer) -> (p, READING, consumer)
 * -> (p + capacity, FREE)}. A producer claims with a CAS of the word (volatile), writes length,
 * flags and payload with plain stores, and publishes with a volatile store of FULL; a consumer
 * claims with a CAS from FULL (so it sees every plain store before the FULL), copies out, and
 * frees the slot for the next lap with a volatile store. The positions are hints that any
 * process moves on with a CAS when it finds the slot under them claimed or past them; the words
 * are the truth. A producer killed while WRITING left nothing visible: a survivor frees the slot
 * as if it had been read (the item is lost with its producer, never delivered torn). A consumer
 * killed while READING had not returned the item to its program: a survivor that takes it over
 * delivers it (see {@link SlotRing#salvage}).
 *
 * <p><b>Sleeping.</b> As in a pipe's ring: a waiter adds one to its sleepers count, reads the
 * epoch, looks again, then sleeps on the epoch; the other side, after its volatile store, reads
 * the sleepers count and only if it is not zero bumps the epoch and wakes every sleeper.
 */
public final class SlotQueueDescriptor {
    /** Offset of the capacity (int, slots). */
    public static final int CAPACITY_OFFSET = 0;
    /** Offset of the slot size (int, bytes). */
    public static final int SLOT_SIZE_OFFSET = 4;
    /** Offset of the flags (int). */
    public static final int FLAGS_OFFSET = 8;
    /** Offset of the closed word (int): 1 once the owner closed the queue. */
    public static final int CLOSED_OFFSET = 12;
    /** Offset of the largest item accepted (int, bytes). */
    public static final int MAX_ITEM_OFFSET = 16;
    /** Offset of the enqueue position (long). */
    public static final int ENQUEUE_OFFSET = 128;
    /** Offset of the dequeue position (long). */
    public static final int DEQUEUE_OFFSET = 256;
    /** Offset of the not-empty epoch (int); its sleepers count follows. */
    public static final int NOT_EMPTY_EPOCH_OFFSET = 384;
    /** Offset of the not-full epoch (int); its sleepers count follows. */
    public static final int NOT_FULL_EPOCH_OFFSET = 512;
    /** Offset of the unfinished-items count (long). */
    public static final int UNFINISHED_OFFSET = 640;
    /** Offset of the all-done epoch (int); its sleepers count follows. */
    public static final int ALL_DONE_EPOCH_OFFSET = 768;
    /** Offset of slot 0. */
    public static final int SLOTS_OFFSET = 896;
    /** A sleepers count sits right after its epoch. */
    public static final int SLEEPERS_AFTER_EPOCH = 4;

    /** Flag: taskDone/join are counted. */
    public static final int JOINABLE = 1;

    /** Offset of the word in a slot. */
    public static final int SLOT_WORD_OFFSET = 0;
    /** Offset of the item's length in a slot. */
    public static final int SLOT_LENGTH_OFFSET = 8;
    /** Offset of the slot's flags. */
    public static final int SLOT_FLAGS_OFFSET = 12;
    /** Offset of the payload in a slot. */
    public static final int SLOT_PAYLOAD_OFFSET = 16;
    /** Slot flag: the payload names a file that holds the item. */
    public static final int OUT_OF_LINE = 1;
    /**
     * Slot flag: the producer has added its item to the unfinished count (stored right after the
     * add, before FULL), so a survivor that frees the slot of a producer that died takes it off.
     */
    public static final int COUNTED = 2;

    /** Bytes per slot: 240 bytes of an item inline, which holds a line of text or a small record. */
    public static final int SLOT_SIZE = 256;
    /** Slots of a queue made with {@code maxsize <= 0}: 8192, a 2 MiB file (pages are touched as it fills). */
    public static final int DEFAULT_CAPACITY = 8192;
    /** Most slots of any queue: 16 Mi slots, 4 GiB of file. */
    public static final int MAX_CAPACITY = 1 << 24;

    private SlotQueueDescriptor() {
    }

    /**
     * @param capacity slots
     * @param slotSize bytes per slot
     * @return the body's length
     */
    public static long bodyLength(int capacity, int slotSize) {
        return SLOTS_OFFSET + (long) capacity * slotSize;
    }

    /**
     * @param slotSize bytes per slot
     * @return the most item bytes a slot holds inline
     */
    public static int inlineBytes(int slotSize) {
        return slotSize - SLOT_PAYLOAD_OFFSET;
    }
}
