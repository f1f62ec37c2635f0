package dev.multiproc.launcher.pool.internal;

import java.util.concurrent.Callable;

/**
 * One task as Python counts them: a chunk of inputs for a function, or one callable. Its
 * function and inputs are already serialized (in the caller's thread). Immutable.
 *
 * @param id         pool-wide task id
 * @param functionId pool-wide id of the function, or 0 when it is not cached by workers
 * @param function   the serialized function or callable
 * @param inputs     the serialized inputs, packed ({@link PackedValues}; empty for a callable)
 * @param inputCount how many inputs are packed in {@code inputs}
 * @param callable   whether {@code function} is a callable rather than a function of the inputs
 * @param sink       where the outcome goes
 * @param origin     the callable as submitted, for {@code shutdownNow}; null for map chunks
 */
record PoolTask(long id, long functionId, byte[] function, byte[] inputs, int inputCount, boolean callable,
                TaskSink sink, Callable<?> origin) {
    /** No inputs: a callable's. */
    static final byte[] NO_INPUTS = new byte[0];

    /** @return the number of results the task yields */
    int size() {
        return callable ? 1 : inputCount;
    }
}
