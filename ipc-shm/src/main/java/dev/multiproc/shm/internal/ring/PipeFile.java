package dev.multiproc.shm.internal.ring;

import dev.multiproc.shm.internal.Segment;
import dev.multiproc.shm.internal.Segments;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One process's mapping of a pipe's segment, shared by the ends open here (the creator holds both
 * until they move or close): unmapped when the last of them lets go. The file's name is removed
 * once neither end can move any more (both used or closed, in whichever processes), by the process
 * that settled the last one; the creator also removes it when it lets go, and at exit, so an end
 * still on its way to another process then cannot be taken (as a pipe end whose creator closed it
 * before the other process took it). Thread-safe.
 */
final class PipeFile {
    private final Segment segment;
    private final AtomicInteger users;

    /**
     * @param segment a {@code KIND_PIPE} segment, mapped here
     * @param users   how many ends of this process use the mapping
     */
    PipeFile(Segment segment, int users) {
        this.segment = segment;
        this.users = new AtomicInteger(users);
    }

    /** @return the segment */
    Segment segment() {
        return segment;
    }

    /**
     * Removes the file's name if both ends are settled.
     *
     * @param left  the left end's word
     * @param right the right end's word
     */
    void unlinkIfSettled(EndWord left, EndWord right) {
        if (left.isSettled() && right.isSettled()) {
            segment.unlink();
        }
    }

    /** One end of this process lets go of the mapping: the last one unmaps it (and the owner unlinks). */
    void release() {
        if (users.decrementAndGet() == 0) {
            Segments.close(segment);
        }
    }
}
