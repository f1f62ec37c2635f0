package dev.multiproc.pipe.internal;

import dev.multiproc.wire.HandleDescriptor;

/** Resolves the descriptors of the pipe transport's handles, by kind. */
public final class PipeHandles {
    private PipeHandles() {
    }

    /**
     * Links the native calls of pipe ends and fd passing, and rehearses handing an end over
     * ({@link PipeRehearsal}; see {@link dev.multiproc.spi.HandleResolver#warmUp()}).
     */
    public static void warmUp() {
        Libc.warmUp();
        if (Libc.SUPPORTED) {
            PipeRehearsal.run();
        }
    }

    /**
     * @param descriptor a descriptor whose provider is "pipe"
     * @return the handle, attached in this process
     * @throws IllegalArgumentException for a kind this module does not know
     */
    public static Object resolve(HandleDescriptor descriptor) {
        if (FdSharer.KIND.equals(descriptor.getKind())) {
            return FdSharer.instance().resolve(descriptor);
        }
        throw new IllegalArgumentException("the pipe transport has no handle of kind '" + descriptor.getKind()
                + "' (known: " + FdSharer.KIND + ")");
    }
}
