package dev.multiproc.launcher.pool.internal;

import dev.multiproc.Connection;
import dev.multiproc.IpcProcess;
import dev.multiproc.Pipe;
import dev.multiproc.ProcessTarget;
import dev.multiproc.Serializer;
import dev.multiproc.launcher.internal.ChildProcess;
import dev.multiproc.launcher.pool.WorkerProcessFactory;
import dev.multiproc.spi.Channels;

import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/**
 * Starts a worker as a child JVM ({@link IpcProcess}, daemon) running a {@link WorkerLoop} over
 * a duplex {@link Pipe} of the pool's transport: the pool keeps the left end, the worker gets
 * the right end inside its target.
 */
final class ProcessWorkerStarter implements WorkerStarter {
    private final Channels channels;
    private final WorkerProcessFactory factory;
    private final List<String> jvmOptions;
    private final Serializer serializer;

    ProcessWorkerStarter(Channels channels, WorkerProcessFactory factory, List<String> jvmOptions, Serializer serializer) {
        this.channels = channels;
        this.serializer = serializer;
        this.factory = factory;
        this.jvmOptions = List.copyOf(jvmOptions);
    }

    @Override
    public WorkerChannel start(String name, ProcessTarget initializer) {
        Pipe pipe = channels.pipe(true);
        Connection mine = pipe.left();
        try {
            IpcProcess process = factory.newWorker(name, new WorkerLoop(pipe.right(), initializer, serializer), jvmOptions);
            process.setDaemon(true);
            process.start();
            return new ProcessChannel(process, mine);
        } catch (RuntimeException | Error e) {
            mine.close();
            throw e;
        }
    }

    /** A worker JVM and the pool's end of its pipe. */
    private static final class ProcessChannel implements WorkerChannel {
        private final IpcProcess process;
        private final Connection connection;
        private final CompletableFuture<OptionalInt> exited;

        ProcessChannel(IpcProcess process, Connection connection) {
            this.process = process;
            this.connection = connection;
            this.exited = process.onExit().handle((p, error) -> process.exitCode());
        }

        @Override
        public long pid() {
            return process.pid();
        }

        @Override
        public void send(byte[] frame) {
            connection.sendBytes(frame);
        }

        /**
         * Waits through {@link PolledReceive}: with a blocking read, each task the worker takes
         * out of the socket would wake the pool's reader for nothing (PoolBenchmark's latency
         * table shows the difference).
         */
        @Override
        public byte[] receive() {
            return PolledReceive.next(connection);
        }

        @Override
        public boolean poll(Duration timeout) {
            return connection.poll(timeout);
        }

        @Override
        public byte[] receivePolled() {
            return connection.recvBytes();
        }

        @Override
        public CompletableFuture<OptionalInt> exited() {
            return exited;
        }

        @Override
        public void close() {
            connection.close();
        }

        @Override
        public void kill() {
            process.kill();
            connection.close();
        }

        @Override
        public String stderrTail() {
            return process instanceof ChildProcess child ? child.stderrTail() : "";
        }
    }
}
