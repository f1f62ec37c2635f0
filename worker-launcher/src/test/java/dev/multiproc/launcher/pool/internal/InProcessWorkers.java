package dev.multiproc.launcher.pool.internal;

import dev.multiproc.ConnectionClosedException;
import dev.multiproc.ProcessTarget;
import dev.multiproc.Serializer;

import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Workers as threads of this JVM, for ordering tests of the scheduler: each runs the real
 * {@link WorkerRuntime} over in-memory queues instead of a pipe, and can be "killed".
 */
final class InProcessWorkers implements WorkerStarter {
    private static final AtomicLong PIDS = new AtomicLong(900_000);
    private static final ThreadLocal<Worker> CURRENT = new ThreadLocal<>();
    private static final Object EOF = new Object();

    final List<Worker> started = new CopyOnWriteArrayList<>();

    /** @return the fake worker running the calling task */
    static Worker current() {
        Worker w = CURRENT.get();
        if (w == null) {
            throw new IllegalStateException("not in an in-process worker");
        }
        return w;
    }

    @Override
    public WorkerChannel start(String name, ProcessTarget initializer) {
        Worker w = new Worker(name, PIDS.incrementAndGet(), initializer);
        started.add(w);
        w.thread.start();
        return w;
    }

    /** One fake worker "process". */
    static final class Worker implements WorkerChannel {
        final String name;
        final long pid;
        final Thread thread;
        private final LinkedBlockingQueue<Object> toWorker = new LinkedBlockingQueue<>();
        private final LinkedBlockingDeque<Object> toPool = new LinkedBlockingDeque<>();
        private final CompletableFuture<OptionalInt> exited = new CompletableFuture<>();
        private volatile boolean dead;

        Worker(String name, long pid, ProcessTarget initializer) {
            this.name = name;
            this.pid = pid;
            this.thread = new Thread(() -> run(initializer), "test-worker-" + name);
            this.thread.setDaemon(true);
        }

        private void run(ProcessTarget initializer) {
            CURRENT.set(this);
            int code = 0;
            try {
                new WorkerRuntime(new TaskChannel() {
                    @Override
                    public byte[] receive() {
                        try {
                            Object o = toWorker.take();
                            if (o == EOF || dead) {
                                throw new ConnectionClosedException("pool closed the channel");
                            }
                            return (byte[]) o;
                        } catch (InterruptedException e) {
                            throw new ConnectionClosedException("worker killed");
                        }
                    }

                    @Override
                    public void send(byte[] frame) {
                        if (!dead) {
                            toPool.add(frame);
                        }
                    }
                }, Serializer.standard()).run(initializer);
            } catch (Throwable e) {
                code = 1;
            }
            exit(code);
        }

        /** Dies as a process would: nothing it writes afterwards arrives. */
        void exit(int code) {
            dead = true;
            toPool.add(EOF);
            exited.complete(OptionalInt.of(code));
        }

        @Override
        public long pid() {
            return pid;
        }

        @Override
        public void send(byte[] frame) {
            if (dead) {
                throw new ConnectionClosedException("worker " + name + " is dead");
            }
            toWorker.add(frame);
        }

        @Override
        public byte[] receive() {
            try {
                Object o = toPool.take();
                if (o == EOF) {
                    toPool.add(EOF);
                    throw new ConnectionClosedException("worker " + name + " closed its channel");
                }
                return (byte[]) o;
            } catch (InterruptedException e) {
                throw new ConnectionClosedException("interrupted");
            }
        }

        @Override
        public boolean poll(java.time.Duration timeout) {
            try {
                Object o = toPool.pollFirst(timeout.toNanos(), TimeUnit.NANOSECONDS);
                if (o == null) {
                    return false;
                }
                toPool.putFirst(o); // one thread receives at a time: it stays next
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        @Override
        public byte[] receivePolled() {
            return receive();
        }

        @Override
        public CompletableFuture<OptionalInt> exited() {
            return exited;
        }

        @Override
        public void close() {
            toWorker.add(EOF);
        }

        @Override
        public void kill() {
            exit(-9);
            thread.interrupt();
        }
    }
}
