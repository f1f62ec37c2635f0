package dev.multiproc.pipe.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A {@code struct msghdr} for {@code sendmsg}/{@code recvmsg} of one fd, and the layouts of the
 * structures it points to (Linux, LP64).
 *
 * @param header  the {@code msghdr}: one {@code iovec} over the data, the control buffer
 * @param control the control buffer ({@link #CMSG_FD_SPACE} bytes): one {@code cmsghdr} and its fd
 */
record FdMessage(MemorySegment header, MemorySegment control) {
    /**
     * {@code struct msghdr} (LP64):
     * <pre>
     *  0          8             16        24           32            40               48          56
     *  +----------+-------------+---------+------------+-------------+----------------+-----------+
     *  | msg_name | msg_namelen | msg_iov | msg_iovlen | msg_control | msg_controllen | msg_flags |
     *  +----------+-------------+---------+------------+-------------+----------------+-----------+
     * </pre>
     */
    static final long MSGHDR_SIZE = 56;
    static final long MSGHDR_IOV_OFFSET = 16;
    static final long MSGHDR_IOVLEN_OFFSET = 24;
    static final long MSGHDR_CONTROL_OFFSET = 32;
    static final long MSGHDR_CONTROLLEN_OFFSET = 40;
    static final long MSGHDR_FLAGS_OFFSET = 48;
    /** {@code struct iovec}: base pointer, then length. */
    static final long IOVEC_SIZE = 16;
    /**
     * {@code struct cmsghdr} carrying one fd: {@code cmsg_len} (8), level (4), type (4), the int fd.
     * {@code CMSG_LEN(4)} is 20, {@code CMSG_SPACE(4)} is 24.
     */
    static final long CMSG_FD_LEN = 20;
    static final long CMSG_FD_SPACE = 24;
    static final long CMSG_LEVEL_OFFSET = 8;
    static final long CMSG_TYPE_OFFSET = 12;
    static final long CMSG_DATA_OFFSET = 16;
    /** {@code MSG_CTRUNC}: control data did not fit. */
    static final int MSG_CTRUNC = 0x8;

    /**
     * @param arena  where the structures are allocated
     * @param data   the bytes sent, or the buffer received into
     * @param length how many of them
     * @return a {@code msghdr} over them with room for one fd's control message
     */
    static FdMessage over(Arena arena, MemorySegment data, long length) {
        MemorySegment iov = arena.allocate(IOVEC_SIZE, 8);
        iov.set(ValueLayout.ADDRESS, 0, data);
        iov.set(ValueLayout.JAVA_LONG, 8, length);
        MemorySegment control = arena.allocate(CMSG_FD_SPACE, 8);
        MemorySegment msg = arena.allocate(MSGHDR_SIZE, 8);
        msg.set(ValueLayout.ADDRESS, MSGHDR_IOV_OFFSET, iov);
        msg.set(ValueLayout.JAVA_LONG, MSGHDR_IOVLEN_OFFSET, 1);
        msg.set(ValueLayout.ADDRESS, MSGHDR_CONTROL_OFFSET, control);
        msg.set(ValueLayout.JAVA_LONG, MSGHDR_CONTROLLEN_OFFSET, CMSG_FD_SPACE);
        return new FdMessage(msg, control);
    }
}
