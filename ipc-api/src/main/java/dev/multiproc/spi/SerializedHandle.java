package dev.multiproc.spi;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.multiproc.SerializationException;
import dev.multiproc.wire.HandleDescriptor;

import java.io.ObjectStreamException;
import java.io.Serial;
import java.io.Serializable;

/**
 * What a handle writes in place of itself (from its {@code writeReplace}): its protobuf
 * descriptor. Reading it back resolves the descriptor into a handle attached in this process.
 */
public final class SerializedHandle implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
    private final byte[] descriptor;

    private SerializedHandle(byte[] descriptor) {
        this.descriptor = descriptor;
    }

    /**
     * @param descriptor the handle's descriptor
     * @return the object to return from {@code writeReplace}
     */
    public static SerializedHandle of(HandleDescriptor descriptor) {
        return new SerializedHandle(descriptor.toByteArray());
    }

    @Serial
    private Object readResolve() throws ObjectStreamException {
        HandleDescriptor d;
        try {
            d = HandleDescriptor.parseFrom(descriptor);
        } catch (InvalidProtocolBufferException e) {
            throw new SerializationException("corrupt handle descriptor of " + descriptor.length + " bytes", e);
        }
        return Providers.handleResolver(d.getProvider()).resolve(d);
    }
}
