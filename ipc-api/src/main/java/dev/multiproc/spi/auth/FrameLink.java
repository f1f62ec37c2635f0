package dev.multiproc.spi.auth;

import java.io.IOException;

/**
 * A blocking connection's frames, as the {@link HandshakeSteps#run handshake} needs them: each
 * transport implements it over its own I/O (an NIO channel, an FFM file descriptor).
 */
public interface FrameLink {
    /**
     * @param payload one frame's payload, sent whole
     * @throws IOException if the connection fails
     */
    void send(byte[] payload) throws IOException;

    /**
     * @param maxBytes     the longest payload accepted; a longer one fails with
     *                     {@link dev.multiproc.FrameTooLargeException} before it is read
     * @param timeoutNanos how long to wait for the whole frame
     * @return the payload, or null if it did not arrive in time
     * @throws IOException if the connection fails or ends
     */
    byte[] receive(int maxBytes, long timeoutNanos) throws IOException;
}
