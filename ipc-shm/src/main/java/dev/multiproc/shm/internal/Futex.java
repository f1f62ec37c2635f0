package dev.multiproc.shm.internal;

import dev.multiproc.spi.ContextSettings;
import dev.multiproc.spi.log.Log;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Kernel sleep and wake on a 32-bit word in shared memory: {@code futex(2)} through the libc
 * {@code syscall} function, called with the FFM {@link Linker}. The operations are the shared
 * (not {@code FUTEX_PRIVATE_FLAG}) {@code FUTEX_WAIT} and {@code FUTEX_WAKE}, since the word is
 * mapped by several processes.
 *
 * <p><b>Fallback.</b> Where futex is not available (any platform but Linux x86-64 and aarch64, if
 * the downcall cannot be linked, or with {@code -Dmultiproc.futex=false}) {@link #wait} parks the thread for a bounded back-off of at
 * most {@link #FALLBACK_PARK_NANOS} and {@link #wake} does nothing: waiters poll the word, so
 * everything still works, with up to that much extra latency and some CPU while waiting.
 *
 * <p>Addresses are passed as raw {@code long}s, not as segments, so that a segment can be unmapped
 * (its arena closed) while another thread sleeps on it; callers wait in bounded slices and find
 * the segment closed when they wake. Thread-safe.
 */
@SuppressWarnings("restricted") // links syscall(2): the JVM grants this module native access
public final class Futex {
    /** System property: {@code false} forces the polling fallback (to test it on Linux). */
    public static final String FUTEX_PROPERTY = ContextSettings.FUTEX;
    /** Longest park of the fallback wait. */
    public static final long FALLBACK_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(200);
    private static final Log LOG = Log.of(Futex.class);
    private static final int FUTEX_WAIT = 0;
    private static final int FUTEX_WAKE = 1;
    private static final MethodHandle SYSCALL_WAIT;
    private static final MethodHandle SYSCALL_WAKE;
    private static final long SYS_FUTEX;
    private static final ThreadLocal<MemorySegment> TIMESPEC =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(16, 8));

    static {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        long nr = -1;
        if (os.contains("linux") && ContextSettings.process().futex()) {
            nr = switch (arch) {
                case "amd64", "x86_64" -> 202;
                case "aarch64", "arm64" -> 98;
                default -> -1;
            };
        }
        MethodHandle wait = null;
        MethodHandle wake = null;
        if (nr > 0) {
            try {
                Linker linker = Linker.nativeLinker();
                MemorySegment syscall = linker.defaultLookup().find("syscall")
                        .or(() -> SymbolLookup.libraryLookup("libc.so.6", Arena.global()).find("syscall"))
                        .orElseThrow(() -> new IllegalStateException("libc has no 'syscall' symbol"));
                // long syscall(long number, ...): every variadic argument passed as a 64-bit register.
                FunctionDescriptor fd = FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG);
                wait = linker.downcallHandle(syscall, fd, Linker.Option.firstVariadicArg(1));
                // FUTEX_WAKE never blocks: a critical call skips the thread-state transition.
                wake = linker.downcallHandle(syscall, fd, Linker.Option.firstVariadicArg(1), Linker.Option.critical(false));
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("futex(2) is not available ({}); shared-memory waits fall back to polling with back-off", e.toString());
                wait = null;
                wake = null;
            }
        }
        SYS_FUTEX = nr;
        SYSCALL_WAIT = wait;
        SYSCALL_WAKE = wake;
    }

    private Futex() {
    }

    /** @return whether waits sleep in the kernel (else they poll with bounded back-off) */
    public static boolean isNative() {
        return SYSCALL_WAIT != null;
    }

    /**
     * Sleeps while the word at {@code address} holds {@code expected}, for at most
     * {@code timeoutNanos}. Returns early, without telling why, when woken, when the word differs,
     * on a signal, or spuriously: callers re-check their condition.
     *
     * @param address      the word's native address (4-byte aligned, in a shared mapping)
     * @param expected     the value to sleep on
     * @param timeoutNanos the longest sleep; must be positive
     */
    public static void wait(long address, int expected, long timeoutNanos) {
        if (SYSCALL_WAIT == null) {
            LockSupport.parkNanos(Math.min(timeoutNanos, FALLBACK_PARK_NANOS));
            return;
        }
        MemorySegment ts = TIMESPEC.get();
        ts.set(ValueLayout.JAVA_LONG, 0, timeoutNanos / 1_000_000_000L);
        ts.set(ValueLayout.JAVA_LONG, 8, timeoutNanos % 1_000_000_000L);
        try {
            long r = (long) SYSCALL_WAIT.invokeExact(SYS_FUTEX, address, (long) FUTEX_WAIT, (long) expected, ts.address());
            assert r == 0 || r == -1 : r; // -1: EAGAIN (word differs), ETIMEDOUT or EINTR; all re-checked
        } catch (Throwable t) {
            throw new IllegalStateException("futex wait failed at address 0x" + Long.toHexString(address), t);
        }
    }

    /**
     * Wakes up to {@code count} threads sleeping on the word at {@code address}, in any process.
     *
     * @param address the word's native address
     * @param count   how many to wake ({@link Integer#MAX_VALUE} for all)
     */
    public static void wake(long address, int count) {
        if (SYSCALL_WAKE == null) {
            return;
        }
        try {
            long r = (long) SYSCALL_WAKE.invokeExact(SYS_FUTEX, address, (long) FUTEX_WAKE, (long) count, 0L);
            assert r >= 0 : r;
        } catch (Throwable t) {
            throw new IllegalStateException("futex wake failed at address 0x" + Long.toHexString(address), t);
        }
    }
}
