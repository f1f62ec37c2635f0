package dev.multiproc;

/**
 * Stand-in for a remote exception whose class cannot be loaded or read back in this process:
 * it carries the remote class name, message and stack trace.
 */
public class RemoteThrowable extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String remoteClassName;

    /**
     * @param remoteClassName the class name of the original exception
     * @param message         its message
     * @param stack           its stack trace in the remote process
     * @param cause           its cause, if any
     */
    public RemoteThrowable(String remoteClassName, String message, StackTraceElement[] stack, Throwable cause) {
        super(message, cause);
        this.remoteClassName = remoteClassName;
        setStackTrace(stack);
    }

    /** @return the class name of the original exception */
    public String remoteClassName() {
        return remoteClassName;
    }

    @Override
    public String toString() {
        String message = getLocalizedMessage();
        return message == null ? remoteClassName : remoteClassName + ": " + message;
    }
}
