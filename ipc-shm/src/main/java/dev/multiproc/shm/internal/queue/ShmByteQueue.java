package dev.multiproc.shm.internal.queue;

import dev.multiproc.FrameTooLargeException;
import dev.multiproc.IpcException;
import dev.multiproc.QueueClosedException;
import dev.multiproc.shm.internal.Segment;
import dev.multiproc.shm.internal.ring.RingWaits;
import dev.multiproc.spi.queue.ByteQueue;
import dev.multiproc.spi.wait.Deadline;
import dev.multiproc.spi.wait.WaitStrategy;
import dev.multiproc.wire.HandleDescriptor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import static dev.multiproc.shm.internal.queue.SlotQueueDescriptor.ALL_DONE_EPOCH_OFFSET;
import static dev.multiproc.shm.internal.queue.SlotQueueDescriptor.CLOSED_OFFSET;
import static dev.multiproc.shm.internal.queue.SlotQueueDescriptor.COUNTED;
import static dev.multiproc.shm.internal.queue.SlotQueueDescriptor.NOT_EMPTY_EPOCH_OFFSET;
import static dev.multiproc.shm.internal.queue.SlotQueueDescriptor.NOT_FULL_EPOCH_OFFSET;
import static dev.multiproc.shm.internal.queue.SlotQueueDescriptor.SLEEPERS_AFTER_EPOCH;
import static dev.multiproc.shm.internal.queue.SlotQueueDescriptor.UNFINISHED_OFFSET;

/**
 * One process's use of a queue in shared memory ({@link SlotQueueDescriptor}): no broker, every
 * process puts into and takes from the slots itself. A waiting side spins, yields, then sleeps in
 * {@code futex(2)}; between sleeps it checks that the queue's owner is alive and not closed, and
 * recovers the slots of processes that died holding them ({@link SlotRing}). The queue lives as
 * long as its owner's context: once that closes or dies, every use fails with
 * {@link QueueClosedException} naming it. Thread-safe.
 */
public final class ShmByteQueue implements ByteQueue {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final Segment segment;
    private final MemorySegment body;
    private final SlotRing ring;
    private final String name;
    private final boolean joinable;
    private final int maxItemBytes;
    private final OutOfLineItems outOfLine;
    private final SlotItems items;
    private final RingWaits notEmpty;
    private final RingWaits notFull;
    private final RingWaits allDone;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final QueueLifetime lifetime;
    private volatile long nextSweep;

    /**
     * @param segment the queue's mapped file, its body laid out by {@link ShmQueues}
     * @param name    the queue's name in messages
     */
    ShmByteQueue(Segment segment, String name) {
        this.segment = segment;
        this.body = segment.body();
        this.name = name;
        int capacity = (int) INT.get(body, (long) SlotQueueDescriptor.CAPACITY_OFFSET);
        int slotSize = (int) INT.get(body, (long) SlotQueueDescriptor.SLOT_SIZE_OFFSET);
        if (capacity < 1 || capacity > SlotQueueDescriptor.MAX_CAPACITY || slotSize < 64 || slotSize % 64 != 0
                || SlotQueueDescriptor.bodyLength(capacity, slotSize) > body.byteSize()) {
            throw new IpcException("cannot attach " + segment.path() + " as a queue: " + capacity + " slots of "
                    + slotSize + " bytes do not fit its " + body.byteSize() + "-byte body");
        }
        this.ring = new SlotRing(body, capacity, slotSize);
        this.joinable = ((int) INT.get(body, (long) SlotQueueDescriptor.FLAGS_OFFSET) & SlotQueueDescriptor.JOINABLE) != 0;
        this.maxItemBytes = (int) INT.get(body, (long) SlotQueueDescriptor.MAX_ITEM_OFFSET);
        this.outOfLine = new OutOfLineItems(segment.path(), segment.ownerPid(), segment.ownerStart());
        this.lifetime = new QueueLifetime(segment, name, outOfLine);
        this.items = new SlotItems(body, ring, outOfLine, SlotQueueDescriptor.inlineBytes(slotSize), maxItemBytes, joinable, name);
        WaitStrategy waits = segment.waits();
        this.notEmpty = waitsAt(NOT_EMPTY_EPOCH_OFFSET, waits);
        this.notFull = waitsAt(NOT_FULL_EPOCH_OFFSET, waits);
        this.allDone = waitsAt(ALL_DONE_EPOCH_OFFSET, waits);
    }

    private RingWaits waitsAt(int epochOffset, WaitStrategy waits) {
        return new RingWaits(body, epochOffset, epochOffset + SLEEPERS_AFTER_EPOCH, waits);
    }

    /** @return the mapped file */
    Segment segment() {
        return segment;
    }

    @Override
    public String name() {
        return name;
    }

    /** @return the number of slots, which is the capacity whatever {@code maxsize} was asked for */
    @Override
    public int maxsize() {
        return ring.capacity();
    }

    @Override
    public boolean joinable() {
        return joinable;
    }

    @Override
    public int maxItemBytes() {
        return maxItemBytes;
    }

    @Override
    public void put(byte[] item) throws InterruptedException {
        offer(item, Deadline.never());
    }

    @Override
    public boolean offer(byte[] item, Deadline deadline) throws InterruptedException {
        checkItem(item);
        checkUsable();
        String file = items.prepare(item);
        boolean committed = false;
        try {
            long p = ring.claimForWrite();
            if (p == SlotRing.NONE) {
                p = awaitClaim(notFull, ring::claimForWrite, deadline, false);
                if (p == SlotRing.NONE) {
                    return false;
                }
            }
            committed = true; // from here the slot is ours: it is committed, even if this thread is interrupted
            items.fillAndCommit(p, item, file);
            notEmpty.wake();
            return true;
        } catch (IllegalStateException e) {
            throw closedInstead(e);
        } finally {
            if (!committed) {
                items.discard(file);
            }
        }
    }

    @Override
    public byte[] take(Deadline deadline) throws InterruptedException {
        checkUsable();
        try {
            long p = ring.claimForRead();
            if (p == SlotRing.NONE) {
                p = awaitClaim(notEmpty, ring::claimForRead, deadline, true);
                if (p == SlotRing.NONE) {
                    return null;
                }
            }
            try {
                return items.readOut(p);
            } finally {
                notFull.wake(); // the slot is free, whether or not the item was whole
            }
        } catch (IllegalStateException e) {
            throw closedInstead(e);
        }
    }

    /**
     * Waits until {@code claim} claims a slot, checking between sleeps that the queue is usable and
     * recovering the slots of dead holders.
     *
     * @return the claimed position, or NONE if the deadline passed first
     */
    private long awaitClaim(RingWaits waits, java.util.function.LongSupplier claim, Deadline deadline, boolean taker)
            throws InterruptedException {
        long[] claimed = {SlotRing.NONE};
        BooleanSupplier ready = () -> {
            if (claimed[0] == SlotRing.NONE) {
                if (Thread.currentThread().isInterrupted()) {
                    throw Interrupted.INSTANCE;
                }
                claimed[0] = claim.getAsLong();
            }
            return claimed[0] != SlotRing.NONE;
        };
        Runnable onSlice = () -> {
            checkUsableNow();
            if (claimed[0] == SlotRing.NONE) {
                long salvaged = recoverDeadHolders(taker);
                if (salvaged != SlotRing.NONE) {
                    claimed[0] = salvaged;
                }
            }
        };
        try {
            waits.await(ready, deadline, onSlice);
        } catch (Interrupted e) {
            Thread.interrupted();
            throw new InterruptedException("interrupted while waiting on " + name);
        }
        return claimed[0];
    }

    /**
     * Frees the slots of producers that died while writing and, for a taker, takes over one item
     * of a consumer that died while reading it. At most once per slice in this process.
     *
     * @return a salvaged position this process now reads, or NONE
     */
    private long recoverDeadHolders(boolean taker) {
        long now = System.nanoTime();
        if (now - nextSweep < 0) {
            return SlotRing.NONE;
        }
        nextSweep = now + WaitStrategy.SLICE_NANOS;
        if (ring.freeDeadWriters(this::uncount) > 0) {
            notFull.wakeAll();
        }
        return taker ? ring.salvage() : SlotRing.NONE;
    }

    /** Takes a dead producer's counted item off the unfinished count. */
    private void uncount(int flags) {
        if ((flags & COUNTED) != 0 && decrementUnfinished() == 0) {
            allDone.wakeAll();
        }
    }

    /** @return the count after the decrement, or -1 if it was zero already */
    private long decrementUnfinished() {
        while (true) {
            long n = (long) LONG.getVolatile(body, (long) UNFINISHED_OFFSET);
            if (n <= 0) {
                return -1;
            }
            if (LONG.compareAndSet(body, (long) UNFINISHED_OFFSET, n, n - 1)) {
                return n - 1;
            }
        }
    }

    @Override
    public long size() {
        checkUsable();
        try {
            return ring.size();
        } catch (IllegalStateException e) {
            throw closedInstead(e);
        }
    }

    @Override
    public void taskDone() {
        checkJoinable("taskDone()");
        checkUsable();
        long left;
        try {
            left = decrementUnfinished();
        } catch (IllegalStateException e) {
            throw closedInstead(e);
        }
        if (left < 0) {
            throw new IllegalStateException("taskDone() called more times than items were put on " + name);
        }
        if (left == 0) {
            allDone.wake();
        }
    }

    @Override
    public boolean join(Deadline deadline) throws InterruptedException {
        checkJoinable("join()");
        checkUsable();
        BooleanSupplier done = () -> {
            if (Thread.currentThread().isInterrupted()) {
                throw Interrupted.INSTANCE;
            }
            return (long) LONG.getVolatile(body, (long) UNFINISHED_OFFSET) == 0;
        };
        try {
            return allDone.await(done, deadline, () -> {
                checkUsableNow();
                recoverDeadHolders(false);
            });
        } catch (Interrupted e) {
            Thread.interrupted();
            throw new InterruptedException("interrupted while joining " + name);
        } catch (IllegalStateException e) {
            throw closedInstead(e);
        }
    }

    private void checkJoinable(String what) {
        if (!joinable) {
            throw new UnsupportedOperationException(what + " needs a JoinableQueue; " + name + " is a plain queue");
        }
    }

    private void checkItem(byte[] item) {
        if (item.length == 0) {
            throw new IllegalArgumentException("a queue item must not be empty");
        }
        if (item.length > maxItemBytes) {
            throw new FrameTooLargeException(item.length, maxItemBytes, "an item of " + item.length
                    + " bytes is over the limit of " + maxItemBytes + " bytes of " + name + "; nothing was put");
        }
    }

    private void checkUsable() {
        lifetime.check(closed.get());
    }

    private void checkUsableNow() {
        lifetime.checkNow(closed.get());
    }

    private RuntimeException closedInstead(IllegalStateException e) {
        return lifetime.closedInstead(e);
    }

    @Override
    public HandleDescriptor.Builder describe() {
        return ShmQueues.describe(this);
    }

    @Override
    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && !segment.isClosed()) {
            wakeEveryone(); // this process's waiters see the close
        }
    }

    /** The owner's close: every process's use ends; waiters everywhere wake and see it. */
    void closeAsOwner() {
        lifetime.closedByOwnerHere();
        closed.set(true);
        if (segment.isClosed()) {
            return;
        }
        INT.setVolatile(body, (long) CLOSED_OFFSET, 1);
        wakeEveryone();
        outOfLine.deleteAll();
    }

    private void wakeEveryone() {
        notEmpty.wakeAll();
        notFull.wakeAll();
        allDone.wakeAll();
    }

    @Override
    public String toString() {
        return "ShmByteQueue[" + name + ", " + segment.path() + "]";
    }

    /** Unwinds a wait when its thread is interrupted; carries no stack. */
    private static final class Interrupted extends RuntimeException {
        static final Interrupted INSTANCE = new Interrupted();

        private Interrupted() {
            super("interrupted", null, false, false);
        }
    }
}
