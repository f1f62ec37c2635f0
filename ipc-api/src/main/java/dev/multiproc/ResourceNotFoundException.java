package dev.multiproc;

/** Thrown when attaching to a named resource that does not exist (any more). */
public class ResourceNotFoundException extends IpcException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what went wrong, naming the values involved
     * @param cause   the underlying failure
     */
    public ResourceNotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}
