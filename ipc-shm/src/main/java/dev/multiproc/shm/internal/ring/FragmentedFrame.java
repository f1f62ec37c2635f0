package dev.multiproc.shm.internal.ring;

import dev.multiproc.IpcException;
import dev.multiproc.spi.frame.Frame;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;

/**
 * A received message that comes in fragments, read as its consumer asks: {@link #copyTo} streams
 * each fragment from the ring straight into the destination as it arrives (one copy, however
 * large the message), {@link #toArray()} assembles it in an array grown as fragments arrive (never
 * allocated on the announced total alone), and {@link #release()} reads the rest through. Its
 * BEGIN record is current when it is made; whichever of these runs first consumes the message.
 * Not thread-safe: the receiving thread's, under the channel's receive lock.
 */
final class FragmentedFrame implements Frame {
    private final ShmPipeChannel channel;
    private final RingReader reader;
    private final long total;
    private final String label;
    private boolean consumed;
    private byte[] assembled;

    /**
     * @param channel the channel whose receive this is, which waits for each next fragment
     * @param reader  its reader, on the BEGIN record
     * @param total   the message's length, checked against the frame limit and the first fragment
     * @param label   the receiving end's name
     */
    FragmentedFrame(ShmPipeChannel channel, RingReader reader, long total, String label) {
        this.channel = channel;
        this.reader = reader;
        this.total = total;
        this.label = label;
    }

    @Override
    public int length() {
        return (int) total;
    }

    @Override
    public MemorySegment segment() {
        return MemorySegment.ofArray(toArray());
    }

    @Override
    public byte[] toArray() {
        if (assembled == null) {
            consume();
            assembled = assemble();
        }
        return assembled;
    }

    @Override
    public void copyTo(byte[] destination, int at) {
        Objects.checkFromIndexSize(at, (int) total, destination.length);
        if (assembled != null) {
            System.arraycopy(assembled, 0, destination, at, assembled.length);
            return;
        }
        consume();
        long done = 0;
        while (true) {
            int n = reader.length();
            checkFits(done, n);
            reader.copyTo(destination, at + (int) done);
            done += n;
            if (finishFragment(done)) {
                return;
            }
        }
    }

    @Override
    public void release() {
        if (consumed) {
            return;
        }
        consume();
        long done = 0;
        while (true) {
            done += reader.length();
            if (finishFragment(done)) {
                return;
            }
        }
    }

    private void consume() {
        if (consumed) {
            throw new IllegalStateException(label + ": the received message was consumed already");
        }
        consumed = true; // also if a fragment fails to come: the stream is then broken, not retried
    }

    private byte[] assemble() {
        byte[] bytes = new byte[(int) Math.min(total, Math.max(4L * reader.length(), 1 << 20))];
        long done = 0;
        while (true) {
            int n = reader.length();
            checkFits(done, n);
            if (done + n > bytes.length) {
                bytes = Arrays.copyOf(bytes, (int) Math.min(total, Math.max(2L * bytes.length, done + (long) n)));
            }
            reader.copyTo(bytes, (int) done);
            done += n;
            if (finishFragment(done)) {
                return bytes;
            }
        }
    }

    private void checkFits(long done, int n) {
        if (done + (long) n > total) {
            throw channel.broken(new IpcException(label + ": the shared-memory ring is corrupt: fragments of "
                    + (done + (long) n) + " bytes for a message of " + total));
        }
    }

    /**
     * Consumes the current fragment, then moves to the next one unless it was the last.
     *
     * @param done bytes of the message so far, the current fragment's included
     * @return whether the message is complete
     */
    private boolean finishFragment(long done) {
        boolean end = reader.isEnd();
        reader.consume();
        if (!end) {
            channel.nextFragment(done, total);
            return false;
        }
        if (done != total) {
            throw channel.broken(new IpcException(label + ": the shared-memory ring is corrupt: a message of "
                    + total + " bytes ended after " + done));
        }
        return true;
    }
}
