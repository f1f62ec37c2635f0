package dev.multiproc;

import java.net.SocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Options of a {@link Manager}: registered types, address and authkey. Immutable. */
public final class ManagerOptions {
    /** A type registered with a manager: its interface and the factory of instances. */
    public record Registration(Class<?> iface, SerializableSupplier<?> factory) {
    }

    private final Map<String, Registration> registrations;
    private final SocketAddress address;
    private final byte[] authkey;

    private ManagerOptions(Builder b) {
        this.registrations = Map.copyOf(b.registrations);
        this.address = b.address;
        this.authkey = b.authkey == null ? null : b.authkey.clone();
    }

    /** @return a builder with no registered type, a local address and a random authkey */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the registered types by id */
    public Map<String, Registration> registrations() {
        return registrations;
    }

    /** @return the address to listen on; empty means a local one */
    public Optional<SocketAddress> address() {
        return Optional.ofNullable(address);
    }

    /** @return the authkey; empty means a random one */
    public Optional<byte[]> authkey() {
        return Optional.ofNullable(authkey).map(byte[]::clone);
    }

    /** Builds {@link ManagerOptions}. Not thread-safe. */
    public static final class Builder {
        private final Map<String, Registration> registrations = new LinkedHashMap<>();
        private SocketAddress address;
        private byte[] authkey;

        private Builder() {
        }

        /**
         * @param typeId  the id {@link Manager#create(String, Class)} uses
         * @param iface   the interface proxies implement
         * @param factory makes instances in the manager process
         * @param <T>     the interface type
         * @return this builder
         * @throws IllegalArgumentException if {@code iface} is not an interface or the id is taken
         */
        public <T> Builder register(String typeId, Class<T> iface, SerializableSupplier<? extends T> factory) {
            Objects.requireNonNull(typeId, "typeId");
            if (!iface.isInterface()) {
                throw new IllegalArgumentException("registered type " + typeId + " needs an interface, got class "
                        + iface.getName());
            }
            if (registrations.putIfAbsent(typeId, new Registration(iface, Objects.requireNonNull(factory))) != null) {
                throw new IllegalArgumentException("type id " + typeId + " is already registered");
            }
            return this;
        }

        /**
         * @param address a TCP address to serve other hosts
         * @return this builder
         */
        public Builder address(SocketAddress address) {
            this.address = Objects.requireNonNull(address, "address");
            return this;
        }

        /**
         * @param authkey the secret clients must present
         * @return this builder
         */
        public Builder authkey(byte[] authkey) {
            this.authkey = Objects.requireNonNull(authkey, "authkey").clone();
            return this;
        }

        /** @return the options */
        public ManagerOptions build() {
            return new ManagerOptions(this);
        }
    }
}
