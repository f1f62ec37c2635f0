package dev.multiproc.spi.channel;


import dev.multiproc.spi.log.Log;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The pipe ends written into one child's target, so that they do not outlive a child that never
 * took them. An end captured by a child's target belongs to that child: it moves there when the
 * child reads its target. A child that exits first (its JVM could not start, it was killed while
 * starting) never takes it; then this process would hold the end open forever, and a
 * {@code recv()} on its peer would never see the end of the stream. So when the last child whose
 * target holds an end exits, the end is closed here if it is still unused here: the peer's
 * {@code recv()} then throws {@link dev.multiproc.ConnectionClosedException}, as if the child had
 * taken the end and died. An end this process used itself is left alone. Thread-safe.
 */
public final class EndHandover {
    private static final Log LOG = Log.of(EndHandover.class);
    private static final ThreadLocal<List<ChannelConnection>> RECORDING = new ThreadLocal<>();
    /** How many children not yet exited have each end in their target (guarded by itself). */
    private static final Map<ChannelConnection, Integer> HOLDERS = new IdentityHashMap<>();

    private final List<ChannelConnection> ends;

    private EndHandover(List<ChannelConnection> ends) {
        this.ends = List.copyOf(ends);
    }

    /**
     * Runs a serialization and notes the ends it writes.
     *
     * @param serialization serializes a child's target, in this thread
     * @param into          receives the handover of the ends written
     * @param <T>           what the serialization returns
     * @return what it returned
     */
    public static <T> T recording(Supplier<T> serialization, List<EndHandover> into) {
        List<ChannelConnection> outer = RECORDING.get();
        List<ChannelConnection> written = new ArrayList<>();
        RECORDING.set(written);
        try {
            return serialization.get();
        } finally {
            RECORDING.set(outer);
            EndHandover handover = new EndHandover(written);
            synchronized (HOLDERS) {
                for (ChannelConnection end : handover.ends) {
                    HOLDERS.merge(end, 1, Integer::sum);
                }
            }
            into.add(handover);
        }
    }

    /** Called as an end is serialized: notes it if a {@link #recording} runs in this thread. */
    static void written(ChannelConnection end) {
        List<ChannelConnection> written = RECORDING.get();
        if (written != null && !written.contains(end)) {
            written.add(end);
        }
    }

    /** @return the ends the recorded serialization wrote */
    public List<ChannelConnection> ends() {
        return ends;
    }

    /**
     * The child has exited (or was never started): closes each of its ends that no other living
     * child holds and that is still unused here. Call once.
     *
     * @param child names the child, for the log
     */
    public void receiverGone(String child) {
        for (ChannelConnection end : ends) {
            boolean last;
            synchronized (HOLDERS) {
                int left = HOLDERS.merge(end, -1, Integer::sum);
                last = left <= 0;
                if (last) {
                    HOLDERS.remove(end);
                }
            }
            if (last && end.closeIfUnused()) {
                LOG.debug("{} was in the target of {}, which exited without taking it: closed here", end.label(), child);
            }
        }
    }
}
