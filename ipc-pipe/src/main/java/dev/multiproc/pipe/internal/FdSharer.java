package dev.multiproc.pipe.internal;

import com.google.protobuf.ByteString;
import dev.multiproc.AuthenticationException;
import dev.multiproc.spi.ContextSettings;
import dev.multiproc.spi.ProcessIdentity;
import dev.multiproc.spi.auth.HandshakeSteps;
import dev.multiproc.spi.auth.KernelRandom;
import dev.multiproc.spi.channel.ChannelConnection;
import dev.multiproc.spi.channel.EndTransfer;
import dev.multiproc.spi.frame.FrameCodec;
import dev.multiproc.spi.log.Log;
import dev.multiproc.wire.HandleDescriptor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Moves pipe ends between processes by passing their socket descriptors ({@code SCM_RIGHTS}),
 * as CPython's {@code multiprocessing.resource_sharer} does: the pipe transport's
 * {@link EndTransfer}.
 *
 * <p>Serializing an unused end ({@link #export}) registers it here and starts, once per process,
 * a small server on an abstract-namespace Unix socket named
 * {@code multiproc-fds-<pid>-<random>} (abstract: no file is created, so none can be left
 * behind, even by a process killed with SIGKILL). The end's descriptor carries that name, the
 * end's number and a random 128-bit token. A process that reads the descriptor
 * ({@link #resolve}) connects, presents number and token, and receives the fd; the exporting
 * process then closes its copy, and the end belongs to the taker.
 *
 * <p>Request and reply are frames of the one frame format ({@link FrameCodec}):
 * <pre>
 * request payload (40 bytes, big-endian)
 *  0       4         8            16         24          40
 *  +-------+---------+------------+----------+-----------+
 *  | magic | version | taker pid  | end id   | token     |
 *  +-------+---------+------------+----------+-----------+
 *
 * reply payload
 *  0        1
 *  +--------+-----------------------+
 *  | status | reason (UTF-8)        |   status 0 = taken: no reason, and the fd rides along with
 *  +--------+-----------------------+   the reply as SCM_RIGHTS; 1 = refused, with the reason
 * </pre>
 *
 * <p>Before its request, a client proves it holds this process tree's authkey
 * ({@link HandshakeSteps}, on a {@link LibcFrameLink}); each client is served on a thread of its
 * own, at most {@link #MAX_CLIENTS} at once, within {@link #REQUEST_TIMEOUT_NANOS}, so a client
 * that stays silent delays nobody else. The server thread, {@code multiproc-pipe-fd-sharer}, is a
 * daemon and stops when no exported end remains. Thread-safe.
 */
final class FdSharer implements EndTransfer {
    private static final Log LOG = Log.of(FdSharer.class);

    static final String KIND = "pipe.connection";
    static final String PROVIDER = "pipe";
    static final String ATTR_PROCESS = "process";
    static final String ATTR_SHARER = "sharer";
    static final String ATTR_ID = "id";

    static final int MAGIC = 0x4D504644; // "MPFD"
    static final int VERSION = 2;
    static final int REQUEST_BYTES = 40;
    static final int REQUEST_MAGIC_OFFSET = 0;
    static final int REQUEST_VERSION_OFFSET = 4;
    static final int REQUEST_PID_OFFSET = 8;
    static final int REQUEST_ID_OFFSET = 16;
    static final int REQUEST_TOKEN_OFFSET = 24;
    static final int TOKEN_BYTES = 16;
    static final int REPLY_STATUS_OFFSET = 0;
    static final int REPLY_REASON_OFFSET = 1;
    static final byte STATUS_TAKEN = 0;
    static final byte STATUS_REFUSED = 1;
    /** Longest reason a reply carries. */
    static final int MAX_REASON_BYTES = 4096;
    /** How long a client may take for its handshake and request. */
    private static final long REQUEST_TIMEOUT_NANOS = HandshakeSteps.DEFAULT_TIMEOUT_NANOS;
    /** Clients served at once; more are closed when accepted. */
    static final int MAX_CLIENTS = 16;
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** Last: its constructor uses the constants above. */
    private static final FdSharer INSTANCE = new FdSharer();

    /** Identifies this JVM in descriptors, so that reading one back in the same process finds the same end. */
    private final String processId = HexFormat.of().formatHex(randomBytes(8));
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, Exported> byId = new ConcurrentHashMap<>();
    /** Guarded by {@code this}. */
    private final Map<ChannelConnection, Exported> byEnd = new IdentityHashMap<>();
    /** Guarded by {@code this}. */
    private Server server;

    private record Exported(long id, ChannelConnection end, byte[] token) {
    }

    private FdSharer() {
    }

    static FdSharer instance() {
        return INSTANCE;
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        KernelRandom.fill(b);
        return b;
    }

    @Override
    public HandleDescriptor export(ChannelConnection end, HandleDescriptor.Builder builder) {
        Exported e;
        String name;
        synchronized (this) {
            e = byEnd.computeIfAbsent(end, x -> new Exported(ids.incrementAndGet(), x, randomBytes(TOKEN_BYTES)));
            byId.put(e.id(), e);
            if (server == null) {
                server = Server.start("multiproc-fds-" + ProcessHandle.current().pid() + "-"
                        + HexFormat.of().formatHex(randomBytes(8)));
            }
            name = server.name;
        }
        return builder
                .setKind(KIND)
                .setProvider(PROVIDER)
                .setCreatorPid(ProcessHandle.current().pid())
                .putAttributes(ATTR_PROCESS, processId)
                .putAttributes(ATTR_SHARER, name)
                .putAttributes(ATTR_ID, Long.toString(e.id()))
                .setPayload(ByteString.copyFrom(e.token()))
                .build();
    }

    @Override
    public void forget(ChannelConnection end) {
        synchronized (this) {
            Exported e = byEnd.remove(end);
            if (e != null) {
                byId.remove(e.id());
            }
            if (byEnd.isEmpty() && server != null) {
                server.stop();
                server = null;
            }
        }
    }

    /**
     * Re-attaches an end from its descriptor: the same object if this process exported it,
     * otherwise taken from the process that did.
     *
     * @param d the descriptor
     * @return the end, open in this process
     * @throws IllegalStateException naming the end, the process and the reason, if it cannot be taken
     */
    ChannelConnection resolve(HandleDescriptor d) {
        Map<String, String> a = d.getAttributesMap();
        String label = a.getOrDefault(ChannelConnection.ATTR_LABEL, "pipe end");
        long id = Long.parseLong(a.get(ATTR_ID));
        if (processId.equals(a.get(ATTR_PROCESS))) {
            Exported e = byId.get(id);
            if (e == null) {
                throw new IllegalStateException(label + " was closed in this process (" + ProcessHandle.current().pid()
                        + ") or moved to another before it was read back here");
            }
            return e.end();
        }
        return take(d);
    }

    /**
     * Takes an end from the process that exported it, over its fd sharer, even when that is this
     * process: what {@link #resolve} does in another process, and what {@link PipeRehearsal} runs.
     *
     * @param d the descriptor
     * @return the end, open in this process
     * @throws IllegalStateException naming the end, the process and the reason, if it cannot be taken
     */
    ChannelConnection take(HandleDescriptor d) {
        Map<String, String> a = d.getAttributesMap();
        String label = a.getOrDefault(ChannelConnection.ATTR_LABEL, "pipe end");
        int fd = FdTaker.take(a.get(ATTR_SHARER), Long.parseLong(a.get(ATTR_ID)), d.getPayload().toByteArray(), label,
                d.getCreatorPid());
        int maxFrame = ChannelConnection.maxFrameBytesOf(d, ContextSettings.LOCAL_MAX_FRAME_BYTES);
        return ChannelConnection.attached(new PipeChannel(fd, label, maxFrame), d, this);
    }

    /**
     * Serves one client on a thread of its own: the authkey handshake, then its request, all
     * within {@link #REQUEST_TIMEOUT_NANOS}.
     */
    private void serve(int client) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.newCallState(arena);
            String who = "a process taking a pipe end from process " + ProcessHandle.current().pid();
            try {
                LibcFrameLink link = new LibcFrameLink(client, arena, state, who);
                long deadline = System.nanoTime() + REQUEST_TIMEOUT_NANOS;
                new HandshakeSteps(HandshakeSteps.Role.SERVER, ProcessIdentity.authkey(), who).run(link, REQUEST_TIMEOUT_NANOS);
                byte[] request = link.receive(REQUEST_BYTES, Math.max(1, deadline - System.nanoTime()));
                if (request == null) {
                    LOG.warn("fd sharer: a client sent no request within {} ms; dropped", REQUEST_TIMEOUT_NANOS / 1_000_000);
                    return;
                }
                handle(client, arena, state, request);
            } catch (AuthenticationException e) {
                LOG.warn("fd sharer: refused a connection: {}", e.getMessage());
            } catch (IOException | RuntimeException e) {
                LOG.debug("fd sharer: a client failed: {}", e.toString());
            } finally {
                Libc.close(client, state);
            }
        }
    }

    /** Hands over the end a request names, if its token is right. */
    private void handle(int client, Arena arena, MemorySegment state, byte[] payload) {
        MemorySegment request = MemorySegment.ofArray(payload);
        if (payload.length != REQUEST_BYTES || request.get(INT, REQUEST_MAGIC_OFFSET) != MAGIC
                || request.get(INT, REQUEST_VERSION_OFFSET) != VERSION) {
            refuse(client, arena, state, "bad request: " + payload.length + " bytes, expected " + REQUEST_BYTES
                    + " bytes of magic " + Integer.toHexString(MAGIC) + " version " + VERSION);
            return;
        }
        long pid = request.get(LONG, REQUEST_PID_OFFSET);
        long id = request.get(LONG, REQUEST_ID_OFFSET);
        byte[] token = Arrays.copyOfRange(payload, REQUEST_TOKEN_OFFSET, REQUEST_TOKEN_OFFSET + TOKEN_BYTES);
        Exported e = byId.get(id);
        if (e == null || !MessageDigest.isEqual(e.token(), token)) {
            refuse(client, arena, state, "pipe end " + id + " is not offered by process " + ProcessHandle.current().pid()
                    + " (closed, moved, or a wrong token)");
            return;
        }
        ChannelConnection end = e.end();
        try {
            end.moveTo(pid);
        } catch (IllegalStateException refused) {
            refuse(client, arena, state, refused.getMessage());
            return;
        }
        if (sendFd(client, ((PipeChannel) end.channel()).fd(), arena, state)) {
            end.completeMove();
            LOG.debug("{} moved to process {}", end.label(), pid);
        } else {
            end.undoMove();
        }
    }

    private static boolean sendFd(int client, int fd, Arena arena, MemorySegment state) {
        MemorySegment data = arena.allocate(FrameCodec.SHORT_HEADER_BYTES + 1);
        FrameCodec.writeHeader(data, 0, 1);
        data.set(ValueLayout.JAVA_BYTE, FrameCodec.SHORT_HEADER_BYTES + REPLY_STATUS_OFFSET, STATUS_TAKEN);
        FdMessage msg = FdMessage.over(arena, data, data.byteSize());
        MemorySegment control = msg.control();
        control.set(ValueLayout.JAVA_LONG, 0, FdMessage.CMSG_FD_LEN);
        control.set(ValueLayout.JAVA_INT, FdMessage.CMSG_LEVEL_OFFSET, Libc.SOL_SOCKET);
        control.set(ValueLayout.JAVA_INT, FdMessage.CMSG_TYPE_OFFSET, Libc.SCM_RIGHTS);
        control.set(ValueLayout.JAVA_INT, FdMessage.CMSG_DATA_OFFSET, fd);
        long n;
        do {
            n = Libc.sendmsg(client, msg.header(), 0, state);
        } while (n == -Libc.EINTR);
        if (n != data.byteSize()) {
            LOG.warn("fd sharer: passing fd {} failed: {}", fd, n < 0 ? Libc.describe((int) -n) : n + " bytes sent");
            return false;
        }
        return true;
    }

    private static void refuse(int client, Arena arena, MemorySegment state, String reason) {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        int length = Math.min(text.length, MAX_REASON_BYTES);
        MemorySegment reply = arena.allocate(FrameCodec.SHORT_HEADER_BYTES + REPLY_REASON_OFFSET + length);
        int at = FrameCodec.writeHeader(reply, 0, REPLY_REASON_OFFSET + length);
        reply.set(ValueLayout.JAVA_BYTE, at + REPLY_STATUS_OFFSET, STATUS_REFUSED);
        MemorySegment.copy(text, 0, reply, ValueLayout.JAVA_BYTE, at + REPLY_REASON_OFFSET, length);
        long done = 0;
        while (done < reply.byteSize()) {
            long n = Libc.send(client, reply, done, reply.byteSize() - done, 0, state);
            if (n == -Libc.EINTR) {
                continue;
            }
            if (n <= 0) {
                return;
            }
            done += n;
        }
    }

    /** The listening socket and its thread. */
    private static final class Server {
        final String name;
        final int listenFd;
        volatile boolean stopping;

        private Server(String name, int listenFd) {
            this.name = name;
            this.listenFd = listenFd;
        }

        static Server start(String name) {
            Libc.checkSupported();
            int fd;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = Libc.newCallState(arena);
                fd = Libc.socket(state);
                if (fd < 0) {
                    throw new IllegalStateException("fd sharer: socket(2) failed: " + Libc.describe(-fd));
                }
                int r = Libc.bind(fd, Libc.abstractAddress(arena, name), Libc.abstractAddressLength(name), state);
                if (r == 0) {
                    r = Libc.listen(fd, 64, state);
                }
                if (r < 0) {
                    Libc.close(fd, state);
                    throw new IllegalStateException("fd sharer: cannot listen on abstract socket '" + name + "': "
                            + Libc.describe(-r));
                }
            }
            Server server = new Server(name, fd);
            Thread.ofPlatform().daemon().name("multiproc-pipe-fd-sharer").start(server::run);
            return server;
        }

        void stop() {
            stopping = true;
            try (Arena arena = Arena.ofConfined()) {
                Libc.shutdown(listenFd, Libc.SHUT_RDWR, Libc.newCallState(arena)); // wakes accept(2)
            }
        }

        private void run() {
            Semaphore slots = new Semaphore(MAX_CLIENTS);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = Libc.newCallState(arena);
                while (!stopping) {
                    int client = Libc.accept(listenFd, state);
                    if (client < 0) {
                        if (client == -Libc.EINTR || client == -Libc.EAGAIN) {
                            continue;
                        }
                        if (!stopping) {
                            LOG.error("fd sharer '{}': accept(2) failed: {}; pipe ends of this process can no "
                                    + "longer move to other processes", name, Libc.describe(-client));
                        }
                        break;
                    }
                    if (!slots.tryAcquire()) {
                        LOG.warn("fd sharer '{}': {} clients are being served; one more was dropped", name, MAX_CLIENTS);
                        Libc.close(client, state);
                        continue;
                    }
                    Thread.ofPlatform().daemon().name("multiproc-pipe-fd-sharer-client").start(() -> {
                        try {
                            INSTANCE.serve(client);
                        } finally {
                            slots.release();
                        }
                    });
                }
                Libc.close(listenFd, state);
            }
        }
    }
}
