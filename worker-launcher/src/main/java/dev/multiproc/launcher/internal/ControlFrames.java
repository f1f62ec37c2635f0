package dev.multiproc.launcher.internal;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import dev.multiproc.spi.frame.StreamFrames;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The control messages between a parent and its child (bootstrap, hello, exit): each is one
 * protobuf message in one frame of the one frame format. Stateless.
 */
final class ControlFrames {
    /** Largest bootstrap: it carries the serialized target, which may capture large values. */
    static final long MAX_BOOTSTRAP_BYTES = Integer.MAX_VALUE;
    /** Largest hello. */
    static final long MAX_HELLO_BYTES = 4096;
    /** Largest exit report: a remote error with its serialized exception. */
    static final long MAX_EXIT_BYTES = 64L << 20;

    private ControlFrames() {
    }

    static void write(OutputStream out, MessageLite message) throws IOException {
        StreamFrames.write(out, message.toByteArray());
    }

    /** @return the message, or null at end of stream before it began */
    static <M> M read(InputStream in, Parser<M> parser, long limit) throws IOException {
        byte[] payload = StreamFrames.read(in, limit);
        if (payload == null) {
            return null;
        }
        try {
            return parser.parseFrom(payload);
        } catch (InvalidProtocolBufferException e) {
            throw new IOException("corrupt control message of " + payload.length + " bytes: " + e.getMessage(), e);
        }
    }
}
