package dev.multiproc.spi;

/** Provides shared values, arrays, memory blocks and sync primitives (module ipc-shm). */
public interface SharedObjectsProvider {
    /**
     * @param services the context's services
     * @return the shared objects factory of one context
     */
    SharedObjects open(ContextServices services);
}
