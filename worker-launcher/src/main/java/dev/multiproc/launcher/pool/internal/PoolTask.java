package dev.multiproc.launcher.pool.internal;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * One task as Python counts them: a chunk of inputs for a function, or one callable. Its
 * function and inputs are already serialized (in the caller's thread). Immutable.
 *
 * @param id         pool-wide task id
 * @param functionId pool-wide id of the function, or 0 when it is not cached by workers
 * @param function   the serialized function or callable
 * @param inputs     the serialized inputs (empty for a callable)
 * @param callable   whether {@code function} is a callable rather than a function of the inputs
 * @param sink       where the outcome goes
 * @param origin     the callable as submitted, for {@code shutdownNow}; null for map chunks
 */
record PoolTask(long id, long functionId, byte[] function, List<byte[]> inputs, boolean callable,
                TaskSink sink, Callable<?> origin) {
    /** @return the number of results the task yields */
    int size() {
        return callable ? 1 : inputs.size();
    }
}
