package dev.multiproc;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Options of a {@link Pool}: {@code PoolOptions.builder().processes(4).maxTasksPerChild(100).build()}.
 * Immutable.
 */
public final class PoolOptions {
    private final int processes;
    private final int maxTasksPerChild;
    private final ProcessTarget initializer;
    private final String transport;
    private final List<String> jvmOptions;

    private PoolOptions(Builder b) {
        this.processes = b.processes;
        this.maxTasksPerChild = b.maxTasksPerChild;
        this.initializer = b.initializer;
        this.transport = b.transport;
        this.jvmOptions = List.copyOf(b.jvmOptions);
    }

    /** @return a builder with {@link Multiproc#cpuCount()} processes and no other option */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the number of workers */
    public int processes() {
        return processes;
    }

    /** @return tasks a worker runs before it is replaced; 0 means unlimited */
    public int maxTasksPerChild() {
        return maxTasksPerChild;
    }

    /** @return what each worker runs once before its first task */
    public Optional<ProcessTarget> initializer() {
        return Optional.ofNullable(initializer);
    }

    /** @return the transport for task and result channels; empty means the context's */
    public Optional<String> transport() {
        return Optional.ofNullable(transport);
    }

    /** @return extra options for worker JVMs */
    public List<String> jvmOptions() {
        return jvmOptions;
    }

    /** Builds {@link PoolOptions}; validates each value as it is set. Not thread-safe. */
    public static final class Builder {
        private int processes = Multiproc.cpuCount();
        private int maxTasksPerChild;
        private ProcessTarget initializer;
        private String transport;
        private List<String> jvmOptions = List.of();

        private Builder() {
        }

        /**
         * @param processes number of workers, at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code processes < 1}
         */
        public Builder processes(int processes) {
            if (processes < 1) {
                throw new IllegalArgumentException("processes must be at least 1, was " + processes);
            }
            this.processes = processes;
            return this;
        }

        /**
         * @param maxTasksPerChild tasks a worker runs before it is replaced, at least 1
         * @return this builder
         * @throws IllegalArgumentException if {@code maxTasksPerChild < 1}
         */
        public Builder maxTasksPerChild(int maxTasksPerChild) {
            if (maxTasksPerChild < 1) {
                throw new IllegalArgumentException("maxTasksPerChild must be at least 1, was " + maxTasksPerChild);
            }
            this.maxTasksPerChild = maxTasksPerChild;
            return this;
        }

        /**
         * @param initializer runs once in each worker before its first task
         * @return this builder
         */
        public Builder initializer(ProcessTarget initializer) {
            this.initializer = Objects.requireNonNull(initializer, "initializer");
            return this;
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
         * @param jvmOptions extra options for worker JVMs, e.g. {@code -Xmx2g}
         * @return this builder
         */
        public Builder jvmOptions(List<String> jvmOptions) {
            this.jvmOptions = List.copyOf(jvmOptions);
            return this;
        }

        /** @return the options */
        public PoolOptions build() {
            return new PoolOptions(this);
        }
    }
}
