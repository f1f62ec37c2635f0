package dev.multiproc;

import java.io.Serializable;

/**
 * A function that can be sent to another process, and may throw checked exceptions.
 *
 * @param <T> the input type
 * @param <R> the result type
 */
@FunctionalInterface
public interface SerializableFunction<T, R> extends Serializable {
    /**
     * @param t the input
     * @return the result
     * @throws Exception anything; it reaches the caller as a {@link RemoteException} cause
     */
    R apply(T t) throws Exception;
}
