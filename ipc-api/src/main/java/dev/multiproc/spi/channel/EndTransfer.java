package dev.multiproc.spi.channel;

import dev.multiproc.wire.HandleDescriptor;

/**
 * How a transport moves a {@link ChannelConnection} to another process: the pipe transport passes
 * the socket's descriptor ({@code SCM_RIGHTS}), the shm transport names the mapped file, the
 * socket transport gives an address and an authkey. The descriptor is what the end writes in place
 * of itself when it is serialized; the transport's {@link dev.multiproc.spi.HandleResolver} reads
 * it back and attaches the end there ({@link ChannelConnection#attached}). Thread-safe.
 */
public interface EndTransfer {
    /**
     * Offers an end to other processes (it stays usable here until one takes it).
     *
     * @param end     an unused or used end of this process
     * @param builder a descriptor with the end's own attributes filled in (see {@link ChannelConnection#describe})
     * @return the descriptor another process attaches with
     */
    HandleDescriptor export(ChannelConnection end, HandleDescriptor.Builder builder);

    /**
     * The end is closed here, or moved: it is offered no more.
     *
     * @param end the end
     */
    void forget(ChannelConnection end);
}
