package dev.multiproc.spi.log;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A {@link Log} that hands every message to SLF4J, which formats it. */
final class Slf4jLog extends Log {
    private final Logger logger;

    Slf4jLog(Class<?> owner) {
        this.logger = LoggerFactory.getLogger(owner);
    }

    @Override
    public boolean isDebugEnabled() {
        return logger.isDebugEnabled();
    }

    @Override
    public void debug(String format, Object... args) {
        logger.debug(format, args);
    }

    @Override
    public void info(String format, Object... args) {
        logger.info(format, args);
    }

    @Override
    public void warn(String format, Object... args) {
        logger.warn(format, args);
    }

    @Override
    public void error(String format, Object... args) {
        logger.error(format, args);
    }
}
