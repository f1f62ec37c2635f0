package dev.multiproc;

/** Thrown when creating a named resource (a shared-memory block, a segment) whose name is taken. */
public class ResourceExistsException extends IpcException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what went wrong, naming the values involved
     * @param cause   the underlying failure
     */
    public ResourceExistsException(String message, Throwable cause) {
        super(message, cause);
    }
}
