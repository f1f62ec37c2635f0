package dev.multiproc.pipe.internal;

import dev.multiproc.Connection;
import dev.multiproc.Pipe;

/**
 * The two ends of a pipe.
 *
 * @param left  the left end (receives on a one-way pipe)
 * @param right the right end (sends on a one-way pipe)
 */
record PipeEnds(Connection left, Connection right) implements Pipe {
}
