package dev.multiproc;

/** Thrown by a queue used after this process closed it, or whose owner is gone. */
public class QueueClosedException extends IpcException {
    private static final long serialVersionUID = 1L;

    /** @param message what went wrong, naming the values involved */
    public QueueClosedException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong, naming the values involved
     * @param cause   the underlying failure
     */
    public QueueClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
