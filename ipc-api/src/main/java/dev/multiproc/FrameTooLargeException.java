package dev.multiproc;

/** Thrown when a frame is longer than the limit ({@code multiproc.maxFrameBytes}); checked before any allocation. */
public class FrameTooLargeException extends IpcException {
    private static final long serialVersionUID = 1L;
    private final long length;
    private final long limit;

    /**
     * @param length the frame length that was sent or announced
     * @param limit  the maximum allowed
     */
    public FrameTooLargeException(long length, long limit) {
        super("frame length " + length + " exceeds limit " + limit
                + " (raise it with -D" + dev.multiproc.spi.ContextSettings.MAX_FRAME_BYTES_PROPERTY + ")");
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
