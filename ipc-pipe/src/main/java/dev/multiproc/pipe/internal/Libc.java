package dev.multiproc.pipe.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Every native call of the pipe transport, in one place: downcalls to libc through the Foreign
 * Function &amp; Memory API ({@code socketpair, socket, bind, listen, accept4, connect, read, recv,
 * send, poll, sendmsg, recvmsg, shutdown, close}).
 *
 * <p>Each call takes a captured-state segment from {@link #newCallState(Arena)} and returns the
 * C result, or {@code -errno} when the C result is -1: hot paths test a number, they do not catch
 * exceptions. {@link #describe(int)} turns an errno into text for error messages.
 *
 * <p>Only Linux (x86-64 and aarch64, whose socket constants and struct layouts are written
 * below) is supported: {@link #SUPPORTED} is false elsewhere and every call then throws
 * {@link UnsupportedOperationException} naming the platform. The class still loads, so the
 * module builds and its other classes link on every platform.
 *
 * <p>Thread-safe: the methods are stateless; the caller owns the segments it passes.
 */
final class Libc {
    /** Whether this platform's layouts and constants are the ones below (Linux x86-64 or aarch64). */
    static final boolean SUPPORTED;

    static final int AF_UNIX = 1;
    static final int SOCK_STREAM = 1;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int SCM_RIGHTS = 1;
    static final int SHUT_RDWR = 2;
    static final int MSG_DONTWAIT = 0x40;
    static final int MSG_NOSIGNAL = 0x4000;
    static final int MSG_CMSG_CLOEXEC = 0x40000000;
    static final short POLLIN = 0x1;
    static final short POLLOUT = 0x4;
    static final short POLLERR = 0x8;
    static final short POLLHUP = 0x10;
    static final short POLLNVAL = 0x20;

    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int EPIPE = 32;
    static final int ECONNRESET = 104;

    /**
     * {@code struct pollfd}:
     * <pre>
     *  0       4        6         8
     *  +-------+--------+---------+
     *  |  fd   | events | revents |
     *  +-------+--------+---------+
     * </pre>
     */
    static final long POLLFD_SIZE = 8;
    static final long POLLFD_FD_OFFSET = 0;
    static final long POLLFD_EVENTS_OFFSET = 4;
    static final long POLLFD_REVENTS_OFFSET = 6;

    /**
     * {@code struct sockaddr_un}: a 2-byte family then a 108-byte path. A path starting with
     * {@code '\0'} names a socket in the abstract namespace (no file).
     */
    static final long SOCKADDR_UN_SIZE = 110;
    static final long SUN_PATH_OFFSET = 2;
    static final int SUN_PATH_MAX = 108;

    private static final String PLATFORM = System.getProperty("os.name") + "/" + System.getProperty("os.arch");

    static {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        SUPPORTED = os.startsWith("linux") && (arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"));
    }

    private Libc() {
    }

    /**
     * The downcall handles, created on first use on a supported platform only. Restricted FFM
     * methods: the JVM needs {@code --enable-native-access} (every JVM of ours gets it).
     */
    @SuppressWarnings("restricted")
    private static final class Calls {
        static final StructLayout STATE = Linker.Option.captureStateLayout();
        static final VarHandle ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        static final MethodHandle SOCKETPAIR = downcall("socketpair", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
        static final MethodHandle SOCKET = downcall("socket", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
        static final MethodHandle BIND = downcall("bind", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
        static final MethodHandle LISTEN = downcall("listen", JAVA_INT, JAVA_INT, JAVA_INT);
        static final MethodHandle ACCEPT4 = downcall("accept4", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);
        static final MethodHandle CONNECT = downcall("connect", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
        // the buffer is passed as a raw address (a JAVA_LONG, passed as a pointer is in the C ABIs of
        // Linux x86-64 and aarch64) so that the hot paths allocate no slice; callers check bounds
        static final MethodHandle READ = downcall("read", JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG);
        static final MethodHandle RECV = downcall("recv", JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT);
        static final MethodHandle SEND = downcall("send", JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT);
        static final MethodHandle POLL = downcall("poll", JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
        static final MethodHandle SENDMSG = downcall("sendmsg", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
        static final MethodHandle RECVMSG = downcall("recvmsg", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
        static final MethodHandle SHUTDOWN = downcall("shutdown", JAVA_INT, JAVA_INT, JAVA_INT);
        static final MethodHandle CLOSE = downcall("close", JAVA_INT, JAVA_INT);
        static final MethodHandle STRERROR = Linker.nativeLinker().downcallHandle(
                Linker.nativeLinker().defaultLookup().find("strerror").orElseThrow(),
                FunctionDescriptor.of(ADDRESS.withTargetLayout(MemoryLayout.sequenceLayout(256, ValueLayout.JAVA_BYTE)), JAVA_INT));

        private static MethodHandle downcall(String name, ValueLayout result, MemoryLayout... args) {
            Linker linker = Linker.nativeLinker();
            MemorySegment symbol = linker.defaultLookup().find(name)
                    .orElseThrow(() -> new UnsupportedOperationException("libc has no " + name + " on " + PLATFORM));
            return linker.downcallHandle(symbol, FunctionDescriptor.of(result, args),
                    Linker.Option.captureCallState("errno"));
        }
    }

    /**
     * Links every downcall and runs the ones a new pipe end uses, on a socket pair of its own:
     * a spare JVM's warm-up. Does nothing on an unsupported platform.
     */
    static void warmUp() {
        if (!SUPPORTED) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = newCallState(arena);
            MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 2);
            if (socketPair(fds, state) != 0) {
                return;
            }
            int a = fds.getAtIndex(ValueLayout.JAVA_INT, 0);
            int b = fds.getAtIndex(ValueLayout.JAVA_INT, 1);
            MemorySegment buffer = arena.allocate(8);
            for (int i = 0; i < 200; i++) {
                send(a, buffer, 0, 1, 0, state);
                readNow(b, buffer, 0, 8, state);
            }
            close(a, state);
            close(b, state);
        }
    }

    /** @throws UnsupportedOperationException on a platform other than Linux x86-64/aarch64 */
    static void checkSupported() {
        if (!SUPPORTED) {
            throw new UnsupportedOperationException("the \"pipe\" transport passes socket descriptors with "
                    + "SCM_RIGHTS through native calls written for Linux (x86-64, aarch64); this platform is "
                    + PLATFORM + ". Use the \"socket\" transport here.");
        }
    }

    /**
     * @param arena where to allocate
     * @return a segment that receives errno of the calls it is passed to
     */
    static MemorySegment newCallState(Arena arena) {
        checkSupported();
        return arena.allocate(Calls.STATE);
    }

    private static int errno(MemorySegment state) {
        return (int) Calls.ERRNO.get(state, 0L);
    }

    private static long result(long r, MemorySegment state) {
        return r == -1 ? -errno(state) : r;
    }

    private static AssertionError unexpected(Throwable t) {
        return new AssertionError("native call failed to link or run", t);
    }

    /** @return {@code socketpair(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC)} into {@code fds} (2 ints), 0 or -errno */
    static int socketPair(MemorySegment fds, MemorySegment state) {
        try {
            return (int) result((int) Calls.SOCKETPAIR.invokeExact(state, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** @return a new close-on-exec AF_UNIX stream socket, or -errno */
    static int socket(MemorySegment state) {
        try {
            return (int) result((int) Calls.SOCKET.invokeExact(state, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** @return 0 or -errno */
    static int bind(int fd, MemorySegment address, int length, MemorySegment state) {
        try {
            return (int) result((int) Calls.BIND.invokeExact(state, fd, address, length), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** @return 0 or -errno */
    static int listen(int fd, int backlog, MemorySegment state) {
        try {
            return (int) result((int) Calls.LISTEN.invokeExact(state, fd, backlog), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** @return an accepted close-on-exec socket, or -errno */
    static int accept(int fd, MemorySegment state) {
        try {
            return (int) result((int) Calls.ACCEPT4.invokeExact(state, fd, MemorySegment.NULL, MemorySegment.NULL,
                    SOCK_CLOEXEC), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** @return 0 or -errno */
    static int connect(int fd, MemorySegment address, int length, MemorySegment state) {
        try {
            return (int) result((int) Calls.CONNECT.invokeExact(state, fd, address, length), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * Reads into {@code buffer[offset, offset + length)}.
     *
     * @return bytes read (0 at end of stream) or -errno
     */
    static long read(int fd, MemorySegment buffer, long offset, long length, MemorySegment state) {
        Objects.checkFromIndexSize(offset, length, buffer.byteSize());
        try {
            return result((long) Calls.READ.invokeExact(state, fd, buffer.address() + offset, length), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * Reads into {@code buffer[offset, offset + length)} what is there, without waiting.
     *
     * @return bytes read (0 at end of stream) or -errno ({@code -EAGAIN} when nothing is there)
     */
    static long readNow(int fd, MemorySegment buffer, long offset, long length, MemorySegment state) {
        Objects.checkFromIndexSize(offset, length, buffer.byteSize());
        try {
            return result((long) Calls.RECV.invokeExact(state, fd, buffer.address() + offset, length, MSG_DONTWAIT),
                    state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * Sends {@code buffer[offset, offset + length)}.
     *
     * @return bytes written or -errno; never raises SIGPIPE
     */
    static long send(int fd, MemorySegment buffer, long offset, long length, int flags, MemorySegment state) {
        Objects.checkFromIndexSize(offset, length, buffer.byteSize());
        try {
            return result((long) Calls.SEND.invokeExact(state, fd, buffer.address() + offset, length,
                    flags | MSG_NOSIGNAL), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** @return the number of ready descriptors, 0 on timeout, or -errno */
    static int poll(MemorySegment pollFds, long count, int timeoutMillis, MemorySegment state) {
        try {
            return (int) result((int) Calls.POLL.invokeExact(state, pollFds, count, timeoutMillis), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** @return bytes sent or -errno */
    static long sendmsg(int fd, MemorySegment msghdr, int flags, MemorySegment state) {
        try {
            return result((long) Calls.SENDMSG.invokeExact(state, fd, msghdr, flags | MSG_NOSIGNAL), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** @return bytes received or -errno */
    static long recvmsg(int fd, MemorySegment msghdr, int flags, MemorySegment state) {
        try {
            return result((long) Calls.RECVMSG.invokeExact(state, fd, msghdr, flags), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** @return 0 or -errno */
    static int shutdown(int fd, int how, MemorySegment state) {
        try {
            return (int) result((int) Calls.SHUTDOWN.invokeExact(state, fd, how), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** @return 0 or -errno */
    static int close(int fd, MemorySegment state) {
        try {
            return (int) result((int) Calls.CLOSE.invokeExact(state, fd), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * @param errno an error number (positive)
     * @return e.g. {@code "EPIPE (Broken pipe)"}-like text: the number and the C library's description
     */
    static String describe(int errno) {
        String text;
        try {
            MemorySegment s = (MemorySegment) Calls.STRERROR.invokeExact(errno);
            text = s.getString(0, StandardCharsets.UTF_8);
        } catch (Throwable t) {
            text = "?";
        }
        return "errno " + errno + " (" + text + ")";
    }

    /**
     * Fills a {@code sockaddr_un} for an abstract-namespace name (no file is created).
     *
     * @param arena where to allocate
     * @param name  the name, without the leading NUL
     * @return the address; its significant length is {@link #abstractAddressLength(String)}
     */
    static MemorySegment abstractAddress(Arena arena, String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length + 1 > SUN_PATH_MAX) {
            throw new IllegalArgumentException("socket name '" + name + "' has " + bytes.length
                    + " bytes; at most " + (SUN_PATH_MAX - 1) + " fit");
        }
        MemorySegment address = arena.allocate(SOCKADDR_UN_SIZE, 8);
        address.set(JAVA_SHORT, 0, (short) AF_UNIX);
        address.set(ValueLayout.JAVA_BYTE, SUN_PATH_OFFSET, (byte) 0);
        MemorySegment.copy(bytes, 0, address, ValueLayout.JAVA_BYTE, SUN_PATH_OFFSET + 1, bytes.length);
        return address;
    }

    /** @return the length to pass with an {@link #abstractAddress} of this name */
    static int abstractAddressLength(String name) {
        return (int) SUN_PATH_OFFSET + 1 + name.getBytes(StandardCharsets.UTF_8).length;
    }
}
