package dev.multiproc.internal;

import dev.multiproc.Context;
import dev.multiproc.DurableQueue;
import dev.multiproc.IpcBarrier;
import dev.multiproc.IpcEvent;
import dev.multiproc.IpcLock;
import dev.multiproc.IpcProcess;
import dev.multiproc.IpcQueue;
import dev.multiproc.IpcSemaphore;
import dev.multiproc.JoinableQueue;
import dev.multiproc.Manager;
import dev.multiproc.ManagerOptions;
import dev.multiproc.Pipe;
import dev.multiproc.Pool;
import dev.multiproc.PoolOptions;
import dev.multiproc.ProcessTarget;
import dev.multiproc.Serializer;
import dev.multiproc.SharedDouble;
import dev.multiproc.SharedDoubleArray;
import dev.multiproc.SharedInt;
import dev.multiproc.SharedIntArray;
import dev.multiproc.SharedLong;
import dev.multiproc.SharedLongArray;
import dev.multiproc.SharedMemory;
import dev.multiproc.spi.Channels;
import dev.multiproc.spi.Cleanup;
import dev.multiproc.spi.ContextServices;
import dev.multiproc.spi.ContextSettings;
import dev.multiproc.spi.ProcessLauncher;
import dev.multiproc.spi.Providers;
import dev.multiproc.spi.SharedObjects;
import dev.multiproc.spi.TransportProvider;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The one {@link Context} implementation: validates arguments and routes each primitive to the
 * module that implements it, opening each module lazily. Releases, on close, everything opened,
 * in reverse order. Thread-safe.
 */
public final class DefaultContext implements Context, ContextServices {
    private final String transport;
    private final ContextSettings settings;
    private final Serializer serializer;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final Map<String, Channels> channels = new HashMap<>();
    private SharedObjects sharedObjects;

    /**
     * @param settings   its settings, which name its transport; the transport's module is looked up
     *                   when a channel is first needed
     * @param serializer the serializer of the values it carries
     */
    public DefaultContext(ContextSettings settings, Serializer serializer) {
        this.transport = settings.transport();
        this.settings = settings;
        this.serializer = Objects.requireNonNull(serializer, "serializer");
    }

    @Override
    public String transport() {
        return transport;
    }

    @Override
    public ContextSettings settings() {
        return settings;
    }

    @Override
    public Serializer serializer() {
        return serializer;
    }

    @Override
    public void onClose(AutoCloseable resource) {
        synchronized (resources) {
            if (!closed.get()) {
                resources.push(resource);
                return;
            }
        }
        IllegalStateException closedError = new IllegalStateException("context (" + transport() + ") is closed");
        try {
            new Cleanup().close(resource).rethrow();
        } catch (RuntimeException e) {
            closedError.addSuppressed(e);
        }
        throw closedError;
    }

    @Override
    public Channels channels() {
        return channels(transport);
    }

    @Override
    public Channels channels(String name) {
        checkOpen();
        synchronized (channels) {
            Channels c = channels.get(name);
            if (c == null) {
                TransportProvider provider = Providers.transport(name);
                c = provider.open(this);
                channels.put(name, c);
                onClose(c);
            }
            return c;
        }
    }

    @Override
    public ProcessLauncher launcher() {
        return Providers.launcher();
    }

    private SharedObjects shared() {
        checkOpen();
        synchronized (channels) {
            if (sharedObjects == null) {
                // a transport that hosts shared objects itself (socket: its manager) serves them;
                // otherwise, and when the transport's module is absent, shared memory does
                sharedObjects = Providers.transportIfPresent(transport).isPresent()
                        ? channels().sharedObjects().orElse(null) : null;
                if (sharedObjects == null) {
                    sharedObjects = Providers.sharedObjects().open(this);
                    onClose(sharedObjects);
                }
            }
            return sharedObjects;
        }
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("context (" + transport() + ") is closed");
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Cleanup cleanup = new Cleanup();
        while (true) {
            AutoCloseable next;
            synchronized (resources) {
                next = resources.poll();
            }
            if (next == null) {
                break;
            }
            cleanup.close(next);
        }
        cleanup.rethrow();
    }

    @Override
    public IpcProcess process(ProcessTarget target) {
        return process(null, target);
    }

    @Override
    public IpcProcess process(String name, ProcessTarget target) {
        checkOpen();
        Objects.requireNonNull(target, "target");
        return launcher().newProcess(this, name, target);
    }

    @Override
    public Pool pool(int processes) {
        return pool(PoolOptions.builder().processes(processes).build());
    }

    @Override
    public Pool pool(PoolOptions options) {
        checkOpen();
        return launcher().newPool(this, Objects.requireNonNull(options, "options"));
    }

    @Override
    public Pipe pipe() {
        return pipe(true);
    }

    @Override
    public Pipe pipe(boolean duplex) {
        return channels().pipe(duplex);
    }

    @Override
    public <E> IpcQueue<E> queue() {
        return queue(0);
    }

    @Override
    public <E> IpcQueue<E> queue(int maxsize) {
        return channels().queue(maxsize);
    }

    @Override
    public <E> JoinableQueue<E> joinableQueue() {
        return joinableQueue(0);
    }

    @Override
    public <E> JoinableQueue<E> joinableQueue(int maxsize) {
        return channels().joinableQueue(maxsize);
    }

    @Override
    public SharedInt sharedInt(int initial) {
        return shared().sharedInt(initial);
    }

    @Override
    public SharedLong sharedLong(long initial) {
        return shared().sharedLong(initial);
    }

    @Override
    public SharedDouble sharedDouble(double initial) {
        return shared().sharedDouble(initial);
    }

    @Override
    public SharedIntArray sharedIntArray(int length) {
        return shared().sharedIntArray(checkLength(length));
    }

    @Override
    public SharedIntArray sharedIntArrayOf(int... values) {
        return shared().sharedIntArray(values.clone());
    }

    @Override
    public SharedLongArray sharedLongArray(int length) {
        return shared().sharedLongArray(checkLength(length));
    }

    @Override
    public SharedLongArray sharedLongArrayOf(long... values) {
        return shared().sharedLongArray(values.clone());
    }

    @Override
    public SharedDoubleArray sharedDoubleArray(int length) {
        return shared().sharedDoubleArray(checkLength(length));
    }

    @Override
    public SharedDoubleArray sharedDoubleArrayOf(double... values) {
        return shared().sharedDoubleArray(values.clone());
    }

    private static int checkLength(int length) {
        if (length < 0) {
            throw new IllegalArgumentException("array length must not be negative, was " + length);
        }
        return length;
    }

    @Override
    public SharedMemory sharedMemory(long size) {
        if (size < 1) {
            throw new IllegalArgumentException("shared memory size must be at least 1 byte, was " + size);
        }
        return shared().sharedMemory(size);
    }

    @Override
    public SharedMemory sharedMemory(String name, long size) {
        Objects.requireNonNull(name, "name");
        if (size < 1) {
            throw new IllegalArgumentException("shared memory size must be at least 1 byte, was " + size);
        }
        return shared().sharedMemory(name, size);
    }

    @Override
    public SharedMemory attachSharedMemory(String name) {
        return shared().attachSharedMemory(Objects.requireNonNull(name, "name"));
    }

    @Override
    public IpcLock lock() {
        return shared().lock();
    }

    @Override
    public IpcLock rlock() {
        return shared().rlock();
    }

    @Override
    public IpcSemaphore semaphore(int permits) {
        return shared().semaphore(checkPermits(permits), false);
    }

    @Override
    public IpcSemaphore boundedSemaphore(int permits) {
        return shared().semaphore(checkPermits(permits), true);
    }

    private static int checkPermits(int permits) {
        if (permits < 0) {
            throw new IllegalArgumentException("semaphore permits must not be negative, was " + permits);
        }
        return permits;
    }

    @Override
    public IpcEvent event() {
        return shared().event();
    }

    @Override
    public IpcBarrier barrier(int parties) {
        if (parties < 1) {
            throw new IllegalArgumentException("barrier parties must be at least 1, was " + parties);
        }
        return shared().barrier(parties);
    }

    @Override
    public Manager manager() {
        return manager(ManagerOptions.builder().build());
    }

    @Override
    public Manager manager(ManagerOptions options) {
        checkOpen();
        Manager manager = Providers.manager().start(this, Objects.requireNonNull(options, "options"));
        onClose(manager);
        return manager;
    }

    @Override
    public <E> DurableQueue<E> durableQueue(Path directory) {
        return shared().durableQueue(Objects.requireNonNull(directory, "directory"));
    }

    @Override
    public String toString() {
        return "Context[" + transport() + (closed.get() ? ", closed]" : "]");
    }
}
