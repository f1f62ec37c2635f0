package dev.multiproc;

/**
 * Thrown by {@link Connection#recvBytesInto(byte[], int)} when the buffer is too short for the
 * message. The message has been consumed: {@link #message()} returns the whole of it.
 */
public class BufferTooShortException extends IpcException {
    private static final long serialVersionUID = 1L;
    private final byte[] message;

    /**
     * @param message   the whole message that did not fit
     * @param available the room the caller's buffer had from its offset
     */
    public BufferTooShortException(byte[] message, int available) {
        super("message of " + message.length + " bytes does not fit in the " + available
                + " bytes left in the buffer");
        this.message = message;
    }

    /** @return the whole message that did not fit (it was consumed from the connection) */
    public byte[] message() {
        return message;
    }
}
