package dev.multiproc.spi.log;

import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/** Whether SLF4J has a provider in this JVM, found the way SLF4J 2 finds one. */
final class Slf4jProviders {
    /** SLF4J's property naming a provider class explicitly. */
    private static final String PROVIDER_PROPERTY = "slf4j.provider";

    private Slf4jProviders() {
    }

    private static boolean has(ClassLoader loader) {
        return ServiceLoader.load(org.slf4j.spi.SLF4JServiceProvider.class, loader).findFirst().isPresent();
    }

    static boolean present() {
        String explicit = System.getProperty(PROVIDER_PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            return true;
        }
        try {
            ClassLoader ours = Slf4jProviders.class.getClassLoader();
            ClassLoader context = Thread.currentThread().getContextClassLoader();
            return has(ours) || (context != null && context != ours && has(context));
        } catch (ServiceConfigurationError | LinkageError e) {
            return false; // a broken provider: SLF4J would not use it either
        }
    }
}
