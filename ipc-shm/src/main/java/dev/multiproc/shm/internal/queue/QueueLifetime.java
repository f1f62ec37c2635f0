package dev.multiproc.shm.internal.queue;

import dev.multiproc.QueueClosedException;
import dev.multiproc.shm.internal.Segment;
import dev.multiproc.spi.process.OwnedFiles;
import dev.multiproc.spi.process.ProcessLiveness;
import dev.multiproc.spi.wait.WaitStrategy;

import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

import static dev.multiproc.shm.internal.queue.SlotQueueDescriptor.CLOSED_OFFSET;

/**
 * Whether a queue may still be used in this process: not closed here, not closed by its owner
 * (the closed word in the file, read on every use), and its owner alive (looked at every 256 uses
 * at most once per wait slice, and at every slice of a wait). Once the queue is found gone, the
 * reason sticks. The first process to see that the owner died removes the queue's files.
 * Thread-safe.
 */
final class QueueLifetime {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final long OWNER_CHECK_NANOS = WaitStrategy.SLICE_NANOS;
    /** Uses between looks at the clock (a mask). */
    private static final int OWNER_CHECK_USES = 255;

    private final Segment segment;
    private final String name;
    private final OutOfLineItems outOfLine;
    private volatile String goneReason;
    private volatile long nextOwnerCheck;
    /** Counts uses for the owner check; racy on purpose: a lost count only delays a look. */
    private int uses;

    QueueLifetime(Segment segment, String name, OutOfLineItems outOfLine) {
        this.segment = segment;
        this.name = name;
        this.outOfLine = outOfLine;
    }

    /**
     * @param closedHere whether this process closed its use
     * @throws QueueClosedException if it did, or the owner closed the queue or died
     */
    void check(boolean closedHere) {
        String gone = goneReason;
        if (gone == null && closedHere) {
            throw new QueueClosedException(name + " was closed in this process");
        }
        if (gone == null) {
            gone = lookForOwner();
        }
        if (gone != null) {
            throw new QueueClosedException(gone);
        }
    }

    /** As {@link #check}, looking whether the owner lives now whatever the count of uses (a wait's slice). */
    void checkNow(boolean closedHere) {
        uses = -1;
        nextOwnerCheck = System.nanoTime();
        check(closedHere);
    }

    /** The owner, this process, ends the queue. */
    void closedByOwnerHere() {
        goneReason = name + " was closed by its owner, this process";
    }

    private String lookForOwner() {
        if (segment.isClosed()) {
            return goneReason = unmappedReason();
        }
        if ((int) INT.getVolatile(segment.body(), (long) CLOSED_OFFSET) != 0) {
            return goneReason = name + " was closed by its owner, process " + segment.ownerPid();
        }
        if ((++uses & OWNER_CHECK_USES) != 0) {
            return null;
        }
        long now = System.nanoTime();
        if (now - nextOwnerCheck >= 0) {
            nextOwnerCheck = now + OWNER_CHECK_NANOS;
            if (!ProcessLiveness.isAlive(segment.ownerPid(), segment.ownerStart())) {
                OwnedFiles.removeIfOwnerDead(segment.path()); // the owner cannot: the first to notice does
                outOfLine.deleteAll();
                return goneReason = name + " is gone: its owner, process " + segment.ownerPid()
                        + ", which created it, has exited";
            }
        }
        return null;
    }

    private String unmappedReason() {
        return name + (segment.isOwner() ? " was closed by its owner, this process"
                : " was unmapped in this process, which is exiting");
    }

    /** @return the exception to throw for an access that found the mapping closed under it */
    RuntimeException closedInstead(IllegalStateException e) {
        return segment.isClosed() ? new QueueClosedException(unmappedReason(), e) : e;
    }
}
