package dev.multiproc;

import dev.multiproc.spi.Providers;

import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.ConcurrentMap;

/**
 * A server process that holds shared objects; other processes use them through proxies
 * ({@code multiprocessing.Manager}). Proxies are serializable handles.
 */
public interface Manager extends AutoCloseable {
    /**
     * @param <K> key type
     * @param <V> value type
     * @return a new managed map
     */
    <K, V> ConcurrentMap<K, V> dict();

    /**
     * @param <E> element type
     * @return a new managed list
     */
    <E> List<E> list();

    /** @return a new managed namespace */
    Namespace namespace();

    /**
     * @param <E> item type
     * @return a new managed queue
     */
    <E> IpcQueue<E> queue();

    /** @return a new managed lock */
    IpcLock lock();

    /** @return a new managed reentrant lock */
    IpcLock rlock();

    /**
     * @param permits initial permits
     * @return a new managed semaphore
     */
    IpcSemaphore semaphore(int permits);

    /** @return a new managed event */
    IpcEvent event();

    /**
     * @param parties number of parties
     * @return a new managed barrier
     */
    IpcBarrier barrier(int parties);

    /**
     * @param typeId a type registered in {@link ManagerOptions}
     * @param iface  the interface the proxy implements
     * @param <T>    the interface type
     * @return a proxy to a new instance
     */
    <T> T create(String typeId, Class<T> iface);

    /** @return where the manager listens */
    SocketAddress address();

    /** Stops the manager server process. */
    void shutdown();

    /** Shuts down a manager this process started, or disconnects from one it connected to. Idempotent. */
    @Override
    void close();

    /**
     * Connects to a running manager, possibly on another host.
     *
     * @param address where it listens
     * @param authkey its authkey
     * @return a manager whose objects are the remote manager's
     * @throws AuthenticationException if the authkey is wrong
     */
    static Manager connect(SocketAddress address, byte[] authkey) {
        return Providers.manager().connect(address, authkey);
    }
}
