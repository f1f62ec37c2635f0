package dev.multiproc.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the modules that implement the API with {@link ServiceLoader}, as JDBC finds drivers.
 * A missing module gives an error naming the artifact to add.
 */
public final class Providers {
    private static final String GROUP = "dev.multiproc";
    private static final Map<String, String> TRANSPORT_ARTIFACTS =
            Map.of("pipe", "ipc-pipe", "shm", "ipc-shm", "socket", "ipc-socket");
    private static final Map<Class<?>, List<?>> CACHE = new ConcurrentHashMap<>();
    /** The default is "shm" on Linux only: elsewhere its waits have no futex and poll instead. */
    private static final boolean LINUX = System.getProperty("os.name", "").startsWith("Linux");

    private Providers() {
    }

    /**
     * @param name a transport name
     * @return its provider
     * @throws IllegalArgumentException if no module on the class path provides it
     */
    public static TransportProvider transport(String name) {
        List<TransportProvider> all = load(TransportProvider.class);
        for (TransportProvider p : all) {
            if (p.name().equals(name)) {
                if (!p.isAvailable()) {
                    throw new IllegalArgumentException("transport '" + name + "' is not available on "
                            + System.getProperty("os.name") + "; use \"pipe\"");
                }
                return p;
            }
        }
        String artifact = TRANSPORT_ARTIFACTS.get(name);
        List<String> names = all.stream().map(TransportProvider::name).toList();
        throw new IllegalArgumentException("no transport named '" + name + "' (found: " + names + ")"
                + (artifact == null ? "; known transports are pipe, shm, socket"
                : "; add the artifact " + GROUP + ":" + artifact + " to the class path"));
    }

    /**
     * @param name a transport name
     * @return its provider, if a module on the class path provides it and it is available here
     */
    public static Optional<TransportProvider> transportIfPresent(String name) {
        return load(TransportProvider.class).stream()
                .filter(p -> p.name().equals(name) && p.isAvailable())
                .findFirst();
    }

    /**
     * @param name a transport name
     * @throws IllegalArgumentException if it is neither a known transport nor provided by a module
     */
    public static void checkTransportName(String name) {
        if (name == null || (!TRANSPORT_ARTIFACTS.containsKey(name)
                && load(TransportProvider.class).stream().noneMatch(p -> p.name().equals(name)))) {
            throw new IllegalArgumentException("unknown transport '" + name + "'; known transports are pipe, shm, socket");
        }
    }

    /** @return "shm" on Linux when a module provides it, complete and available here, else "pipe" */
    public static String defaultTransport() {
        for (TransportProvider p : load(TransportProvider.class)) {
            if (p.name().equals("shm") && LINUX && p.isAvailable() && p.isComplete()) {
                return "shm";
            }
        }
        return "pipe";
    }

    /** @return the process launcher, if worker-launcher is on the class path */
    public static Optional<ProcessLauncher> launcherIfPresent() {
        return load(ProcessLauncher.class).stream().findFirst();
    }

    /**
     * @return the process launcher
     * @throws IllegalStateException naming the artifact to add, if missing
     */
    public static ProcessLauncher launcher() {
        return launcherIfPresent().orElseThrow(() -> missing("processes and pools", "worker-launcher"));
    }

    /**
     * @return the shared-objects provider
     * @throws IllegalStateException naming the artifact to add, if missing
     */
    public static SharedObjectsProvider sharedObjects() {
        return load(SharedObjectsProvider.class).stream().findFirst()
                .orElseThrow(() -> missing("shared values, shared memory and locks", "ipc-shm"));
    }

    /**
     * @return the manager provider
     * @throws IllegalStateException naming the artifact to add, if missing
     */
    public static ManagerProvider manager() {
        return load(ManagerProvider.class).stream().findFirst()
                .orElseThrow(() -> missing("managers", "ipc-socket"));
    }

    /**
     * @param provider the provider named in a handle descriptor
     * @return the resolver for it
     * @throws IllegalStateException if no module resolves that provider's handles
     */
    public static HandleResolver handleResolver(String provider) {
        for (HandleResolver r : load(HandleResolver.class)) {
            if (r.provider().equals(provider)) {
                return r;
            }
        }
        String artifact = TRANSPORT_ARTIFACTS.getOrDefault(provider, "ipc-" + provider);
        throw missing("handles of provider '" + provider + "'", artifact);
    }

    /** Warms every handle resolver on the class or module path up ({@link HandleResolver#warmUp()}); failures are ignored. */
    public static void warmUpHandleResolvers() {
        for (HandleResolver r : load(HandleResolver.class)) {
            try {
                r.warmUp();
            } catch (RuntimeException | LinkageError e) {
                // a colder start of that provider, nothing worse
            }
        }
    }

    private static IllegalStateException missing(String feature, String artifact) {
        return new IllegalStateException(feature + " need the module " + GROUP + ":" + artifact
                + "; add that artifact to the class path");
    }

    @SuppressWarnings("unchecked")
    private static <S> List<S> load(Class<S> service) {
        return (List<S>) CACHE.computeIfAbsent(service, s -> {
            List<Object> found = new ArrayList<>();
            ServiceLoader.load(s, classLoader()).forEach(found::add);
            return List.copyOf(found);
        });
    }

    private static ClassLoader classLoader() {
        ClassLoader tccl = Thread.currentThread().getContextClassLoader();
        return tccl != null ? tccl : Providers.class.getClassLoader();
    }
}
