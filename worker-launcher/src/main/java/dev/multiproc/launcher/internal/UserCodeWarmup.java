package dev.multiproc.launcher.internal;

import dev.multiproc.ProcessTarget;
import dev.multiproc.SerializableCallable;
import dev.multiproc.SerializableFunction;
import dev.multiproc.SerializableRunnable;
import dev.multiproc.SerializableSupplier;
import dev.multiproc.Serializer;

import java.io.Serializable;
import java.util.List;

/**
 * The part of a spare's warm-up ({@link SpareWarmup}) that readies the first step of a user's
 * target, which the library cannot take ahead because it does not know the target: reading a
 * lambda. The first lambda a JVM reads through its capturing class's {@code $deserializeLambda$}
 * costs about 1 ms more than the next ones (the call site's linkage, the reflective call, the
 * factory's types for what it captures), so a spare reads one lambda of each of the library's
 * functional types, capturing nothing, a string, numbers and a list. It touches no state a child
 * could see.
 */
final class UserCodeWarmup {
    private UserCodeWarmup() {
    }

    /**
     * Serializes and reads back one lambda of each capture shape, through the real path.
     *
     * @param serializer the serializer targets are read with
     */
    static void readLambdaShapes(Serializer serializer) {
        String text = "warm";
        int small = 7;
        long big = 1L << 40;
        List<Integer> list = List.of(1, 2);
        List<Serializable> shapes = List.of(
                (ProcessTarget) () -> { },
                (ProcessTarget) () -> text.length(),
                (ProcessTarget) () -> list.get(small % 2),
                (SerializableCallable<Object>) () -> big + small,
                (SerializableRunnable) () -> text.hashCode(),
                (SerializableSupplier<Object>) () -> list,
                (SerializableFunction<Object, Object>) x -> text + x);
        for (Serializable shape : shapes) {
            serializer.deserialize(serializer.serialize(shape));
        }
    }
}
