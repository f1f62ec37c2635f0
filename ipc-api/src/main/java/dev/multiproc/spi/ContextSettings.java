package dev.multiproc.spi;

import dev.multiproc.spi.process.PrivateDirectory;
import dev.multiproc.spi.wait.WaitStrategy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Every setting of Multiproc, read once when a context is created: from
 * {@code ContextOptions} overrides first, then from the system properties named here, then the
 * defaults given here. Every property name of the project is a constant of this class, and
 * nothing reads a {@code multiproc.*} property anywhere else. Immutable.
 *
 * <table>
 * <caption>Settings</caption>
 * <tr><th>property</th><th>default</th></tr>
 * <tr><td>{@value #TRANSPORT}</td><td>"shm" on Linux, else "pipe"</td></tr>
 * <tr><td>{@value #MAX_FRAME_BYTES}</td><td>2 GiB - 1 on "pipe" and "shm", 64 MiB on "socket"</td></tr>
 * <tr><td>{@value #SHM_DIRECTORY}</td><td>{@code /dev/shm} if it exists, else the temp directory</td></tr>
 * <tr><td>{@value #SOCKET_DIRECTORY}</td><td>{@code multiproc-<user>} in the temp directory, {@code 0700} ({@link PrivateDirectory})</td></tr>
 * <tr><td>{@value #SERIAL_FILTER}</td><td>{@link #DEFAULT_SERIAL_FILTER}</td></tr>
 * <tr><td>{@value #JVM_OPTIONS}</td><td>none</td></tr>
 * <tr><td>{@value #WAIT_SPIN_NANOS}</td><td>{@value WaitStrategy#DEFAULT_SPIN_NANOS}</td></tr>
 * <tr><td>{@value #WAIT_YIELD_NANOS}</td><td>{@value WaitStrategy#DEFAULT_YIELD_NANOS}</td></tr>
 * <tr><td>{@value #FUTEX}</td><td>true</td></tr>
 * <tr><td>{@value #SPARES}</td><td>{@value #DEFAULT_SPARES}</td></tr>
 * </table>
 */
public final class ContextSettings {
    /** Transport of {@code Multiproc.context()}. */
    public static final String TRANSPORT = "multiproc.transport";
    /** Largest frame in bytes. */
    public static final String MAX_FRAME_BYTES = "multiproc.maxFrameBytes";
    /** Directory of shared-memory segments. */
    public static final String SHM_DIRECTORY = "multiproc.shmDirectory";
    /** Directory of Unix-domain socket files. */
    public static final String SOCKET_DIRECTORY = "multiproc.socketDirectory";
    /** {@link java.io.ObjectInputFilter} pattern applied to Java-serialized values. */
    public static final String SERIAL_FILTER = "multiproc.serialFilter";
    /** Extra options for every child JVM, separated by whitespace. */
    public static final String JVM_OPTIONS = "multiproc.jvmOptions";
    /** How long a waiter spins before it yields, in nanoseconds. */
    public static final String WAIT_SPIN_NANOS = "multiproc.wait.spinNanos";
    /** How long a waiter yields before it sleeps in the kernel, in nanoseconds. */
    public static final String WAIT_YIELD_NANOS = "multiproc.wait.yieldNanos";
    /** {@code false} makes shared-memory waits poll with back-off instead of sleeping in {@code futex(2)}. */
    public static final String FUTEX = "multiproc.futex";
    /** Warm spare JVMs a context keeps per kind of child (same JVM options); 0 turns them off. */
    public static final String SPARES = "multiproc.spares";
    /**
     * One spare: each one idles at about 40 MB of memory and no CPU, and one is enough to make
     * every {@code start()} after the first a hand-over instead of a JVM start.
     */
    public static final int DEFAULT_SPARES = 1;

    /** Old names that are still read, each with the setting it stands for. */
    private static final Map<String, String> FORMER_NAMES = Map.of(
            "multiproc.shm.spinNanos", WAIT_SPIN_NANOS,
            "multiproc.shm.futex", FUTEX);
    private static final Set<String> NAMES = Set.of(TRANSPORT, MAX_FRAME_BYTES, SHM_DIRECTORY, SOCKET_DIRECTORY,
            SERIAL_FILTER, JVM_OPTIONS, WAIT_SPIN_NANOS, WAIT_YIELD_NANOS, FUTEX, SPARES);

    /** Default frame limit of the local transports ("pipe", "shm"). */
    public static final int LOCAL_MAX_FRAME_BYTES = Integer.MAX_VALUE;
    /** Default frame limit of the "socket" transport, whose peers may be on other hosts. */
    public static final int SOCKET_MAX_FRAME_BYTES = 64 << 20;
    /** Prefix of every file Multiproc creates. */
    public static final String FILE_PREFIX = "multiproc-";
    /**
     * The serial filter used when {@value #SERIAL_FILTER} is not set: limits on graph depth and
     * object count, and a rejection of well-known deserialization gadget packages. (Arrays are
     * also bounded by the bytes of the value, whatever the filter.) Values come only from
     * processes that hold this process tree's authkey; the README's security section says what
     * that trusts.
     */
    public static final String DEFAULT_SERIAL_FILTER = "maxdepth=1000;maxrefs=10000000;"
            + "!org.apache.commons.collections.functors.*;!org.apache.commons.collections4.functors.*;"
            + "!org.codehaus.groovy.runtime.*;!com.sun.org.apache.xalan.internal.xsltc.trax.*;"
            + "!org.springframework.beans.factory.*;!com.mchange.v2.c3p0.*;!bsh.*;!org.mozilla.javascript.*";

    private final String transport;
    private final int maxFrameBytes;
    private final Path shmDirectory;
    private final Path socketDirectory;
    private final String serialFilter;
    private final List<String> jvmOptions;
    private final WaitStrategy waits;
    private final boolean futex;
    private final int spares;
    /** Where the values came from, to derive the settings of another transport alike. */
    private final Function<String, String> source;

    private ContextSettings(String transport, Function<String, String> source) {
        this.source = source;
        this.transport = Objects.requireNonNull(transport, "transport");
        int defaultMax = "socket".equals(transport) ? SOCKET_MAX_FRAME_BYTES : LOCAL_MAX_FRAME_BYTES;
        this.maxFrameBytes = (int) number(source, MAX_FRAME_BYTES, defaultMax, 1, Integer.MAX_VALUE);
        String shm = text(source, SHM_DIRECTORY);
        this.shmDirectory = shm != null ? Path.of(shm) : defaultShmDirectory();
        String sockets = text(source, SOCKET_DIRECTORY);
        this.socketDirectory = sockets != null ? Path.of(sockets) : PrivateDirectory.defaultDirectory();
        String filter = text(source, SERIAL_FILTER);
        this.serialFilter = filter != null ? filter : DEFAULT_SERIAL_FILTER;
        String options = text(source, JVM_OPTIONS);
        this.jvmOptions = options == null ? List.of() : List.of(options.trim().split("\\s+"));
        this.waits = new WaitStrategy(
                number(source, WAIT_SPIN_NANOS, WaitStrategy.DEFAULT_SPIN_NANOS, 0, Long.MAX_VALUE / 4),
                number(source, WAIT_YIELD_NANOS, WaitStrategy.DEFAULT_YIELD_NANOS, 0, Long.MAX_VALUE / 4));
        String futexFlag = text(source, FUTEX);
        this.futex = futexFlag == null || !futexFlag.trim().equalsIgnoreCase("false");
        this.spares = (int) number(source, SPARES, DEFAULT_SPARES, 0, 64);
    }

    /**
     * @param transport the transport the settings are for
     * @param overrides settings given for one context ({@code ContextOptions}), by property name
     * @return settings from the overrides, else the system properties, else the defaults
     * @throws IllegalArgumentException if a value is malformed or an override names no setting; the
     *         message names the property and the value
     */
    public static ContextSettings resolve(String transport, Map<String, String> overrides) {
        for (String name : overrides.keySet()) {
            if (!NAMES.contains(name)) {
                throw new IllegalArgumentException("'" + name + "' is not a Multiproc setting; the settings are "
                        + NAMES.stream().sorted().toList());
            }
        }
        return new ContextSettings(transport, name -> {
            String v = overrides.get(name);
            return v != null ? v : systemProperty(name);
        });
    }

    /**
     * @param transport the transport the settings are for
     * @return settings from the system properties, with the defaults above
     * @throws IllegalArgumentException if a property holds a bad value; the message names it
     */
    public static ContextSettings fromSystemProperties(String transport) {
        return new ContextSettings(transport, ContextSettings::systemProperty);
    }

    /**
     * The settings of this process, for handles read here with no context of their own (a child
     * reading its target): the system properties, read once.
     *
     * @return the process's settings, on the transport of {@value #TRANSPORT} (default "pipe")
     */
    public static ContextSettings process() {
        return ProcessDefaults.SETTINGS;
    }

    private static final class ProcessDefaults {
        static final ContextSettings SETTINGS = fromSystemProperties(
                Objects.requireNonNullElse(systemProperty(TRANSPORT), "pipe"));
    }

    /**
     * @param name a setting
     * @return the system property, under its name or a former name; null if unset or blank
     */
    public static String systemProperty(String name) {
        String v = System.getProperty(name);
        if (v == null) {
            for (Map.Entry<String, String> e : FORMER_NAMES.entrySet()) {
                if (e.getValue().equals(name)) {
                    v = System.getProperty(e.getKey());
                }
            }
        }
        return v == null || v.isBlank() ? null : v;
    }

    private static String text(Function<String, String> source, String name) {
        String v = source.apply(name);
        return v == null || v.isBlank() ? null : v;
    }

    private static long number(Function<String, String> source, String name, long fallback, long min, long max) {
        String v = text(source, name);
        if (v == null) {
            return fallback;
        }
        long n;
        try {
            n = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, was '" + v + "'", e);
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", was " + n);
        }
        return n;
    }

    /** @return {@code /dev/shm} if it exists, else the temp directory */
    private static Path defaultShmDirectory() {
        Path devShm = Path.of("/dev/shm");
        return Files.isDirectory(devShm) ? devShm : Path.of(System.getProperty("java.io.tmpdir"));
    }

    /** @return how many warm spare JVMs the context keeps per kind of child */
    public int spares() {
        return spares;
    }

    /** @return the transport name */
    public String transport() {
        return transport;
    }

    /** @return the largest frame accepted or sent */
    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /** @return where shared-memory segments live */
    public Path shmDirectory() {
        return shmDirectory;
    }

    /** @return where Unix-domain socket files live */
    public Path socketDirectory() {
        return socketDirectory;
    }

    /** @return the {@link java.io.ObjectInputFilter} pattern of Java-serialized values */
    public String serialFilter() {
        return serialFilter;
    }

    /** @return extra options for every child JVM */
    public List<String> jvmOptions() {
        return jvmOptions;
    }

    /** @return how waiters wait */
    public WaitStrategy waits() {
        return waits;
    }

    /** @return whether shared-memory waits may sleep in {@code futex(2)} */
    public boolean futex() {
        return futex;
    }

    /**
     * @param other a transport
     * @return these settings for another transport (its own default frame limit, unless one was set)
     */
    public ContextSettings forTransport(String other) {
        return other.equals(transport) ? this : new ContextSettings(other, source);
    }

    @Override
    public String toString() {
        return "ContextSettings[" + transport + ", maxFrameBytes " + maxFrameBytes + ", shm " + shmDirectory
                + ", sockets " + socketDirectory + ", " + waits + (futex ? "" : ", no futex") + "]";
    }
}
