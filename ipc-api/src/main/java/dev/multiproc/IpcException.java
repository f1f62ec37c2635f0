package dev.multiproc;

/** Base class of every unchecked exception thrown by Multiproc. */
public class IpcException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what went wrong, naming the values involved */
    public IpcException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong, naming the values involved
     * @param cause   the underlying failure
     */
    public IpcException(String message, Throwable cause) {
        super(message, cause);
    }
}
