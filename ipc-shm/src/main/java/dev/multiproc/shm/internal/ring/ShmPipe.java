package dev.multiproc.shm.internal.ring;

import dev.multiproc.Connection;
import dev.multiproc.Pipe;

/**
 * The two ends of a shared-memory pipe.
 *
 * @param left  the left end (receives on a one-way pipe)
 * @param right the right end (sends on a one-way pipe)
 */
record ShmPipe(Connection left, Connection right) implements Pipe {
}
