package dev.multiproc;

import dev.multiproc.spi.ContextSettings;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Options of a {@link Context}:
 * {@code ContextOptions.builder().transport("pipe").serializer(mine).setting("multiproc.wait.spinNanos", "0").build()}.
 * What is not given comes from the system properties, then the defaults (the settings table of the
 * README). Immutable.
 */
public final class ContextOptions {
    private final String transport;
    private final Serializer serializer;
    private final Map<String, String> settings;

    private ContextOptions(Builder b) {
        this.transport = b.transport;
        this.serializer = b.serializer;
        this.settings = Map.copyOf(b.settings);
    }

    /** @return a builder with no option set */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the transport; empty means {@code -Dmultiproc.transport}, else the platform's default */
    public Optional<String> transport() {
        return Optional.ofNullable(transport);
    }

    /** @return the serializer of the context's values; empty means {@link Serializer#standard()} */
    public Optional<Serializer> serializer() {
        return Optional.ofNullable(serializer);
    }

    /** @return settings given for this context, by property name; they win over system properties */
    public Map<String, String> settings() {
        return settings;
    }

    /** Builds {@link ContextOptions}. Not thread-safe. */
    public static final class Builder {
        private String transport;
        private Serializer serializer;
        private final Map<String, String> settings = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * @param transport "pipe", "shm" or "socket"
         * @return this builder
         */
        public Builder transport(String transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /**
         * @param serializer the serializer of every value the context's channels, queues and pools carry;
         *                   it needs a public no-argument constructor (see {@link Serializer})
         * @return this builder
         */
        public Builder serializer(Serializer serializer) {
            this.serializer = Objects.requireNonNull(serializer, "serializer");
            return this;
        }

        /**
         * @param spares how many warm spare JVMs the context keeps per kind of child, so that
         *               {@code start()} hands the target to a running JVM (0 turns them off;
         *               default {@value ContextSettings#DEFAULT_SPARES}; the setting
         *               {@value ContextSettings#SPARES})
         * @return this builder
         */
        public Builder spares(int spares) {
            if (spares < 0) {
                throw new IllegalArgumentException("spares must be 0 or more, was " + spares);
            }
            return setting(ContextSettings.SPARES, Integer.toString(spares));
        }

        /**
         * @param property a Multiproc setting, e.g. {@code "multiproc.maxFrameBytes"}
         * @param value    its value for this context
         * @return this builder
         * @throws IllegalArgumentException when the context is made, if the property is not a setting
         */
        public Builder setting(String property, String value) {
            settings.put(Objects.requireNonNull(property, "property"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** @return the options */
        public ContextOptions build() {
            return new ContextOptions(this);
        }
    }
}
