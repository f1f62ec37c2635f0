package dev.multiproc;

/** Thrown when the other end of a channel is closed or its process died: end of stream. */
public class ConnectionClosedException extends IpcException {
    private static final long serialVersionUID = 1L;

    /** @param message what went wrong, naming the values involved */
    public ConnectionClosedException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong, naming the values involved
     * @param cause   the underlying failure
     */
    public ConnectionClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
