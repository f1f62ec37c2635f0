package dev.multiproc;

/** Thrown when a value cannot be serialized or read back; the channel that carried it stays usable. */
public class SerializationException extends IpcException {
    private static final long serialVersionUID = 1L;

    /** @param message what went wrong, naming the values involved */
    public SerializationException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong, naming the values involved
     * @param cause   the underlying failure
     */
    public SerializationException(String message, Throwable cause) {
        super(message, cause);
    }
}
