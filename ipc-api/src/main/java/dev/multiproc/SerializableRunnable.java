package dev.multiproc;

import java.io.Serializable;

/**
 * A {@link Runnable} that can be sent to another process. A lambda given where this type is
 * expected ({@link Pool#execute(SerializableRunnable)}, {@link Pool#submit(SerializableRunnable)})
 * is compiled as a serializable lambda; what it captures must be serializable too.
 */
@FunctionalInterface
public interface SerializableRunnable extends Runnable, Serializable {
}
