package dev.multiproc.spi;

import com.google.protobuf.ByteString;
import dev.multiproc.RemoteException;
import dev.multiproc.RemoteThrowable;
import dev.multiproc.Serializer;
import dev.multiproc.wire.RemoteError;
import dev.multiproc.wire.StackFrame;

/**
 * Carries exceptions across processes: class name, message and stack trace always, and the
 * exception itself when it can be serialized, so the caller gets the original type back.
 */
public final class RemoteErrors {
    private static final int MAX_CAUSE_DEPTH = 16;

    private RemoteErrors() {
    }

    /**
     * @param error      the exception raised here
     * @param serializer serializer for the exception itself
     * @return its wire form, naming this process
     */
    public static RemoteError toWire(Throwable error, Serializer serializer) {
        return toWire(error, serializer, 0, true);
    }

    private static RemoteError toWire(Throwable error, Serializer serializer, int depth, boolean withSerialized) {
        RemoteError.Builder b = RemoteError.newBuilder()
                .setClassName(error.getClass().getName())
                .setProcessName(ProcessIdentity.current().name())
                .setPid(ProcessIdentity.current().pid());
        if (error.getMessage() != null) {
            b.setMessage(error.getMessage());
        }
        for (StackTraceElement e : error.getStackTrace()) {
            StackFrame.Builder f = StackFrame.newBuilder()
                    .setDeclaringClass(e.getClassName())
                    .setMethodName(e.getMethodName())
                    .setLineNumber(e.getLineNumber());
            if (e.getFileName() != null) {
                f.setFileName(e.getFileName());
            }
            b.addStack(f);
        }
        if (withSerialized) {
            try {
                b.setSerialized(ByteString.copyFrom(serializer.serialize(error)));
            } catch (RuntimeException notSerializable) {
                // The text form above is enough: the reader builds a RemoteThrowable stand-in.
            }
        }
        if (error.getCause() != null && error.getCause() != error && depth < MAX_CAUSE_DEPTH) {
            b.setCause(toWire(error.getCause(), serializer, depth + 1, false));
        }
        return b.build();
    }

    /**
     * @param error      the wire form
     * @param serializer serializer to read the original exception
     * @return the original exception when it can be read here, else a {@link RemoteThrowable}
     */
    public static Throwable toThrowable(RemoteError error, Serializer serializer) {
        if (!error.getSerialized().isEmpty()) {
            try {
                Object value = serializer.deserialize(error.getSerialized().toByteArray());
                if (value instanceof Throwable t) {
                    return t;
                }
            } catch (RuntimeException unreadable) {
                // Fall back to the text form.
            }
        }
        return standIn(error);
    }

    private static RemoteThrowable standIn(RemoteError error) {
        StackTraceElement[] stack = error.getStackList().stream()
                .map(f -> new StackTraceElement(f.getDeclaringClass(), f.getMethodName(),
                        f.getFileName().isEmpty() ? null : f.getFileName(), f.getLineNumber()))
                .toArray(StackTraceElement[]::new);
        Throwable cause = error.hasCause() ? standIn(error.getCause()) : null;
        return new RemoteThrowable(error.getClassName(), error.getMessage().isEmpty() ? null : error.getMessage(),
                stack, cause);
    }

    /**
     * @param error      the wire form
     * @param serializer serializer to read the original exception
     * @return a RemoteException whose cause is the original exception (or its stand-in)
     */
    public static RemoteException toRemoteException(RemoteError error, Serializer serializer) {
        return new RemoteException(error.getClassName(), error.getMessage().isEmpty() ? null : error.getMessage(),
                error.getProcessName(), error.getPid(), toThrowable(error, serializer));
    }
}
