package dev.multiproc.pipe.internal;

import dev.multiproc.spi.ProcessIdentity;
import dev.multiproc.spi.auth.HandshakeSteps;
import dev.multiproc.spi.frame.FrameCodec;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * The taking side of {@link FdSharer}: connects to the exporting process's fd sharer, runs the
 * authkey handshake ({@link HandshakeSteps}), presents the end's number and token, and receives the end's descriptor with {@code SCM_RIGHTS} (or the
 * reason it was refused). Stateless.
 */
final class FdTaker {
    private FdTaker() {
    }

    /**
     * Asks the exporting process for an end's descriptor.
     *
     * @return the descriptor, now open in this process
     * @throws IllegalStateException naming the end, the process and why it cannot be taken
     */
    static int take(String sharer, long id, byte[] token, String label, long ownerPid) {
        Libc.checkSupported();
        String what = "cannot take " + label + " from process " + ownerPid;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.newCallState(arena);
            int sock = Libc.socket(state);
            if (sock < 0) {
                throw new IllegalStateException(what + ": socket(2) failed: " + Libc.describe(-sock));
            }
            try {
                int r = Libc.connect(sock, Libc.abstractAddress(arena, sharer), Libc.abstractAddressLength(sharer), state);
                if (r < 0) {
                    throw new IllegalStateException(what + ": nothing answers at its fd sharer '" + sharer + "' ("
                            + Libc.describe(-r) + "); that process exited, or closed the end before this one read it");
                }
                LibcFrameLink link = new LibcFrameLink(sock, arena, state, "the fd sharer of process " + ownerPid);
                try {
                    new HandshakeSteps(HandshakeSteps.Role.CLIENT, ProcessIdentity.authkey(), "process " + ownerPid)
                            .run(link, HandshakeSteps.DEFAULT_TIMEOUT_NANOS);
                    byte[] request = new byte[FdSharer.REQUEST_BYTES];
                    MemorySegment fields = MemorySegment.ofArray(request);
                    fields.set(FdSharer.INT, FdSharer.REQUEST_MAGIC_OFFSET, FdSharer.MAGIC);
                    fields.set(FdSharer.INT, FdSharer.REQUEST_VERSION_OFFSET, FdSharer.VERSION);
                    fields.set(FdSharer.LONG, FdSharer.REQUEST_PID_OFFSET, ProcessHandle.current().pid());
                    fields.set(FdSharer.LONG, FdSharer.REQUEST_ID_OFFSET, id);
                    System.arraycopy(token, 0, request, FdSharer.REQUEST_TOKEN_OFFSET, FdSharer.TOKEN_BYTES);
                    link.send(request);
                } catch (IOException e) {
                    throw new IllegalStateException(what + ": " + e.getMessage(), e);
                }
                return receiveReply(sock, arena, state, what);
            } finally {
                Libc.close(sock, state);
            }
        }
    }

    /** Reads the reply frame; the fd, if any, comes with its first bytes. */
    private static int receiveReply(int sock, Arena arena, MemorySegment state, String what) {
        int capacity = FrameCodec.SHORT_HEADER_BYTES + FdSharer.REPLY_REASON_OFFSET + FdSharer.MAX_REASON_BYTES;
        MemorySegment data = arena.allocate(capacity);
        FdMessage message = FdMessage.over(arena, data, capacity);
        MemorySegment msg = message.header();
        MemorySegment control = message.control();
        long n;
        do {
            n = Libc.recvmsg(sock, msg, Libc.MSG_CMSG_CLOEXEC, state);
        } while (n == -Libc.EINTR);
        if (n < 0) {
            throw new IllegalStateException(what + ": receiving the reply failed: " + Libc.describe((int) -n));
        }
        int fd = -1;
        long controlLength = msg.get(ValueLayout.JAVA_LONG, FdMessage.MSGHDR_CONTROLLEN_OFFSET);
        if (controlLength >= FdMessage.CMSG_FD_LEN
                && control.get(ValueLayout.JAVA_INT, FdMessage.CMSG_LEVEL_OFFSET) == Libc.SOL_SOCKET
                && control.get(ValueLayout.JAVA_INT, FdMessage.CMSG_TYPE_OFFSET) == Libc.SCM_RIGHTS
                && (msg.get(ValueLayout.JAVA_INT, FdMessage.MSGHDR_FLAGS_OFFSET) & FdMessage.MSG_CTRUNC) == 0) {
            fd = control.get(ValueLayout.JAVA_INT, FdMessage.CMSG_DATA_OFFSET);
        }
        long got = n;
        long length;
        while ((length = FrameCodec.readHeader(data, 0, got, FdSharer.REPLY_REASON_OFFSET + FdSharer.MAX_REASON_BYTES)) == FrameCodec.INCOMPLETE
                || got < FrameCodec.SHORT_HEADER_BYTES + length) {
            long r = Libc.read(sock, data, got, capacity - got, state);
            if (r == -Libc.EINTR) {
                continue;
            }
            if (r <= 0) {
                closeReceived(fd, state);
                throw new IllegalStateException(what + ": its fd sharer closed the connection after " + got
                        + " bytes of its reply");
            }
            got += r;
        }
        int payload = FrameCodec.SHORT_HEADER_BYTES;
        byte status = length > 0 ? data.get(ValueLayout.JAVA_BYTE, payload + FdSharer.REPLY_STATUS_OFFSET) : -1;
        if (status == FdSharer.STATUS_TAKEN && fd >= 0) {
            return fd;
        }
        closeReceived(fd, state);
        if (status == FdSharer.STATUS_TAKEN) {
            throw new IllegalStateException(what + ": the reply carried no file descriptor (control length "
                    + controlLength + ")");
        }
        byte[] reason = new byte[(int) Math.max(0, length - FdSharer.REPLY_REASON_OFFSET)];
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, payload + FdSharer.REPLY_REASON_OFFSET, reason, 0, reason.length);
        throw new IllegalStateException(what + ": " + (reason.length == 0 ? "no reason given"
                : new String(reason, StandardCharsets.UTF_8)));
    }

    private static void closeReceived(int fd, MemorySegment state) {
        if (fd >= 0) {
            Libc.close(fd, state);
        }
    }
}
