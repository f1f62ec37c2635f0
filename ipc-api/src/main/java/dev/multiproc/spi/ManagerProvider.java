package dev.multiproc.spi;

import dev.multiproc.Manager;
import dev.multiproc.ManagerOptions;

import java.net.SocketAddress;

/** Starts and connects to managers (module ipc-socket). */
public interface ManagerProvider {
    /**
     * @param services the context's services
     * @param options  manager options
     * @return a started manager, owned by the context
     */
    Manager start(ContextServices services, ManagerOptions options);

    /**
     * @param address where a manager listens
     * @param authkey its authkey
     * @return a connected manager
     */
    Manager connect(SocketAddress address, byte[] authkey);
}
