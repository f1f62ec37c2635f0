package dev.multiproc;

/**
 * An exception raised in another process. Its cause is the original exception, read back with
 * its remote stack trace; when the original class cannot be read back here, the cause is a
 * {@link RemoteThrowable} carrying the class name, message and stack trace as text.
 */
public class RemoteException extends IpcException {
    private static final long serialVersionUID = 1L;
    private final String remoteClassName;
    private final String remoteMessage;
    private final String processName;
    private final long pid;

    /**
     * @param remoteClassName class name of the exception in the remote process
     * @param remoteMessage   its message (may be null)
     * @param processName     the process it was raised in
     * @param pid             that process's pid
     * @param cause           the original exception, or a {@link RemoteThrowable} stand-in
     */
    public RemoteException(String remoteClassName, String remoteMessage, String processName, long pid,
                           Throwable cause) {
        super(remoteClassName + (remoteMessage == null ? "" : ": " + remoteMessage)
                + " (in process " + processName + ", pid " + pid + ")", cause);
        this.remoteClassName = remoteClassName;
        this.remoteMessage = remoteMessage;
        this.processName = processName;
        this.pid = pid;
    }

    /** @return the class name of the exception in the remote process */
    public String remoteClassName() {
        return remoteClassName;
    }

    /** @return the message of the remote exception, or null */
    public String remoteMessage() {
        return remoteMessage;
    }

    /** @return the name of the process that raised it */
    public String processName() {
        return processName;
    }

    /** @return the pid of the process that raised it */
    public long pid() {
        return pid;
    }
}
