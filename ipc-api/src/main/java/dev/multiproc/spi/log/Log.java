package dev.multiproc.spi.log;

import java.util.Objects;

/**
 * The library's logger. With an SLF4J provider on the class path (Logback, {@code slf4j-simple},
 * Log4j's SLF4J binding…) messages go to SLF4J; without one they go to the JDK's
 * {@link System.Logger}, so that warnings (a lock taken over from a dead holder, a worker
 * replaced) reach stderr even with no logging library at all, and SLF4J prints no "no providers"
 * banner. {@code System.Logger} writes through {@code java.util.logging} unless a library bridges
 * it. Messages take SLF4J's {@code {}} placeholders; a {@link Throwable} after the last argument a
 * placeholder uses is logged with its stack trace. Thread-safe.
 */
public abstract sealed class Log permits Slf4jLog, JdkLog {
    private static final boolean SLF4J = Slf4jProviders.present();

    Log() {
    }

    /**
     * @param owner the class that logs
     * @return its logger
     */
    public static Log of(Class<?> owner) {
        Objects.requireNonNull(owner, "owner");
        return SLF4J ? new Slf4jLog(owner) : new JdkLog(owner);
    }

    /** @return whether SLF4J has a provider here, so that messages go there */
    public static boolean toSlf4j() {
        return SLF4J;
    }

    /** @return whether debug messages are logged (to skip building costly arguments) */
    public abstract boolean isDebugEnabled();

    /**
     * @param format a message with {@code {}} placeholders
     * @param args   their values, maybe followed by a throwable
     */
    public abstract void debug(String format, Object... args);

    /**
     * @param format a message with {@code {}} placeholders
     * @param args   their values, maybe followed by a throwable
     */
    public abstract void info(String format, Object... args);

    /**
     * @param format a message with {@code {}} placeholders
     * @param args   their values, maybe followed by a throwable
     */
    public abstract void warn(String format, Object... args);

    /**
     * @param format a message with {@code {}} placeholders
     * @param args   their values, maybe followed by a throwable
     */
    public abstract void error(String format, Object... args);
}
