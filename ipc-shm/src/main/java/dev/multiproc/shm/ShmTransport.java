package dev.multiproc.shm;

import dev.multiproc.shm.internal.ring.ShmChannels;
import dev.multiproc.spi.Channels;
import dev.multiproc.spi.ContextServices;
import dev.multiproc.spi.TransportProvider;

/**
 * The "shm" transport: a {@link dev.multiproc.Pipe} is a file in the shared-memory directory
 * holding two single-producer, single-consumer rings, one per direction. A message is copied into
 * the ring once and out of it once; no system call is made while both sides are busy, and a side
 * with nothing to do spins briefly, then sleeps in {@code futex(2)}, woken only when it sleeps.
 *
 * <h2>How an end reaches another process</h2>
 * An end that is serialized writes the file's name and its side; the process that reads it maps the
 * file and takes the end over, with a compare-and-set of the end's word in the file, so an end is
 * held by one process at a time. Its creator lets go of its copy once it sees the end left (at its
 * next {@code pipe()}, or when the context closes), and using it there fails naming the process it
 * moved to. Messages sent before the end moved wait in the ring. The file's name is removed once
 * neither end can move any more (each used or closed somewhere), when its creator's context
 * closes, at its exit, or, if it was killed, by the next context opened on this machine.
 *
 * <h2>Dead peers</h2>
 * The ring is published record by record, so a writer killed mid-message leaves nothing torn: the
 * reader gets every whole message it committed, then {@link dev.multiproc.ConnectionClosedException}
 * (a message it had begun is reported as cut short). A waiting side notices a dead peer within
 * 50 ms (pid and start time, checked between sleeps).
 *
 * <h2>Queues</h2>
 * An {@link dev.multiproc.IpcQueue} is a file of fixed-size slots that every process puts into
 * and takes from itself, with no broker: a slot is claimed with a CAS that also names the
 * claiming process, so the slot of a process that dies while holding it is recovered by the
 * survivors and by nobody else. A producer killed mid-put loses that one item (it is never
 * delivered torn); a consumer killed while copying an item out had not returned it, and the item
 * goes to the next taker, out of order. {@code maxsize <= 0} means 8192 slots. Items over 240
 * bytes travel in a file of their own, named in the slot. A queue lives as long as the context
 * that created it: once that closes or its process dies, every use elsewhere fails with
 * {@link dev.multiproc.QueueClosedException}.
 *
 * <p>{@code Multiproc.context()} picks this transport on Linux.
 */
public final class ShmTransport implements TransportProvider {
    /** The transport name. */
    public static final String NAME = "shm";

    /** Creates the provider (called by {@link java.util.ServiceLoader}). */
    public ShmTransport() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Channels open(ContextServices services) {
        return new ShmChannels(services);
    }
}
