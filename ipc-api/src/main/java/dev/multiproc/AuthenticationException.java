package dev.multiproc;

/** Thrown when a peer presents a wrong authkey, or none. */
public class AuthenticationException extends IpcException {
    private static final long serialVersionUID = 1L;

    /** @param message what went wrong, naming the values involved */
    public AuthenticationException(String message) {
        super(message);
    }
}
