package dev.multiproc;

import dev.multiproc.spi.ContextSettings;

/**
 * Thrown when a frame is longer than the limit ({@code multiproc.maxFrameBytes}), checked before
 * any allocation, or longer than this JVM can hold (the frame is then dropped and the channel goes
 * on).
 */
public class FrameTooLargeException extends IpcException {
    private static final long serialVersionUID = 1L;
    private final long length;
    private final long limit;

    /**
     * @param length the frame length that was sent or announced
     * @param limit  the maximum allowed
     */
    public FrameTooLargeException(long length, long limit) {
        this(length, limit, "frame length " + length + " exceeds limit " + limit
                + " (raise it with -D" + ContextSettings.MAX_FRAME_BYTES + ")");
    }

    /**
     * @param length  the frame length that was sent or announced
     * @param limit   the maximum allowed
     * @param message what happened, naming both
     */
    public FrameTooLargeException(long length, long limit, String message) {
        super(message);
        this.length = length;
        this.limit = limit;
    }

    /** @return the offending length */
    public long length() {
        return length;
    }

    /** @return the limit in force */
    public long limit() {
        return limit;
    }
}
