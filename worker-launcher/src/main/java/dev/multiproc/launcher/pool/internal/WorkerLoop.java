package dev.multiproc.launcher.pool.internal;

import dev.multiproc.Connection;
import dev.multiproc.ProcessTarget;
import dev.multiproc.Serializer;
import dev.multiproc.spi.Serializers;

import java.io.Serial;
import java.util.Objects;

/**
 * What a pool worker JVM runs: the {@link WorkerRuntime} over the worker's end of its duplex
 * {@link Connection}, which travels to the worker as a handle inside this target.
 */
public final class WorkerLoop implements ProcessTarget {
    @Serial
    private static final long serialVersionUID = 1L;

    private final Connection connection;
    private final ProcessTarget initializer;
    private final String serializer;

    /**
     * @param connection  the worker's end of its task channel
     * @param initializer run once before the first task, or null
     * @param serializer  the pool's serializer, which reads tasks and writes results
     */
    public WorkerLoop(Connection connection, ProcessTarget initializer, Serializer serializer) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.initializer = initializer;
        this.serializer = Serializers.nameOf(serializer);
    }

    @Override
    public void run() throws Exception {
        try (Connection c = connection) {
            TaskChannel frames = new TaskChannel() {
                @Override
                public byte[] receive() {
                    return PolledReceive.next(c);
                }

                @Override
                public void send(byte[] frame) {
                    c.sendBytes(frame);
                }
            };
            new WorkerRuntime(frames, Serializers.byName(serializer)).run(initializer);
        }
    }
}
