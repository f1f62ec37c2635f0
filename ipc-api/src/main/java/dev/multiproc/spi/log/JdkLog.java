package dev.multiproc.spi.log;

import java.lang.System.Logger.Level;
import java.util.ResourceBundle;

/**
 * A {@link Log} that formats SLF4J-style messages itself and writes them to a {@link System.Logger}.
 * It is a {@code System.Logger} itself only so that the JDK, which names the calling class and
 * method in each record, skips its frames as logging frames and names the library's class that logged.
 */
final class JdkLog extends Log implements System.Logger {
    private static final String PLACEHOLDER = "{}";
    private final System.Logger logger;

    JdkLog(Class<?> owner) {
        this.logger = System.getLogger(owner.getName());
    }

    @Override
    public boolean isDebugEnabled() {
        return logger.isLoggable(Level.DEBUG);
    }

    @Override
    public void debug(String format, Object... args) {
        write(Level.DEBUG, format, args);
    }

    @Override
    public void info(String format, Object... args) {
        write(Level.INFO, format, args);
    }

    @Override
    public void warn(String format, Object... args) {
        write(Level.WARNING, format, args);
    }

    @Override
    public void error(String format, Object... args) {
        write(Level.ERROR, format, args);
    }

    @Override
    public String getName() {
        return logger.getName();
    }

    @Override
    public boolean isLoggable(Level level) {
        return logger.isLoggable(level);
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String message, Throwable thrown) {
        logger.log(level, bundle, message, thrown);
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
        logger.log(level, bundle, format, params);
    }

    private void write(Level level, String format, Object[] args) {
        if (!logger.isLoggable(level)) {
            return;
        }
        StringBuilder message = new StringBuilder(format.length() + 32);
        int used = format(format, args, message);
        Throwable thrown = used < args.length && args[args.length - 1] instanceof Throwable t ? t : null;
        if (thrown == null) {
            logger.log(level, message.toString());
        } else {
            logger.log(level, message.toString(), thrown);
        }
    }

    /**
     * Replaces each {@code {}} of the format with the next argument, as SLF4J does.
     *
     * @return how many arguments were used
     */
    static int format(String format, Object[] args, StringBuilder out) {
        int from = 0;
        int used = 0;
        for (int at; used < args.length && (at = format.indexOf(PLACEHOLDER, from)) >= 0; used++) {
            out.append(format, from, at).append(String.valueOf(args[used]));
            from = at + PLACEHOLDER.length();
        }
        out.append(format, from, format.length());
        return used;
    }
}
