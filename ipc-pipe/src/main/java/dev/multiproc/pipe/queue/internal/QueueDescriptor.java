package dev.multiproc.pipe.queue.internal;

import dev.multiproc.SerializationException;
import dev.multiproc.wire.HandleDescriptor;

import java.nio.file.Path;
import java.util.Map;

/**
 * What a queue handle carries to another process: where its broker listens and the queue's
 * shape. Written as a {@link HandleDescriptor} of provider {@value #PROVIDER}.
 *
 * @param name          the queue's name, unique on the host
 * @param path          the broker's socket file
 * @param maxsize       capacity; zero or negative means unbounded
 * @param joinable      whether taskDone/join are allowed
 * @param ownerPid      the process that created the queue and hosts its broker
 * @param maxFrameBytes the largest item the broker accepts
 */
public record QueueDescriptor(String name, Path path, int maxsize, boolean joinable, long ownerPid, int maxFrameBytes) {
    /** Provider name under which queue handles are resolved. */
    public static final String PROVIDER = "pipe.queue";
    /** Kind of a plain queue handle. */
    public static final String KIND_QUEUE = "pipe.queue";
    /** Kind of a joinable queue handle. */
    public static final String KIND_JOINABLE = "pipe.joinableQueue";

    /** @return whether the queue has a capacity */
    public boolean bounded() {
        return maxsize > 0;
    }

    /** @return the wire form */
    public HandleDescriptor toHandle() {
        return HandleDescriptor.newBuilder()
                .setKind(joinable ? KIND_JOINABLE : KIND_QUEUE)
                .setProvider(PROVIDER)
                .setCreatorPid(ownerPid)
                .putAttributes("name", name)
                .putAttributes("path", path.toString())
                .putAttributes("maxsize", Integer.toString(maxsize))
                .putAttributes("maxFrameBytes", Integer.toString(maxFrameBytes))
                .build();
    }

    /**
     * @param d a descriptor written by {@link #toHandle()}
     * @return the queue it names
     * @throws SerializationException if it is not a queue descriptor
     */
    public static QueueDescriptor fromHandle(HandleDescriptor d) {
        boolean joinable = KIND_JOINABLE.equals(d.getKind());
        if (!joinable && !KIND_QUEUE.equals(d.getKind())) {
            throw new SerializationException("handle of kind '" + d.getKind() + "' is not a pipe queue");
        }
        Map<String, String> a = d.getAttributesMap();
        try {
            return new QueueDescriptor(a.get("name"), Path.of(a.get("path")), Integer.parseInt(a.get("maxsize")),
                    joinable, d.getCreatorPid(), Integer.parseInt(a.get("maxFrameBytes")));
        } catch (RuntimeException e) {
            throw new SerializationException("corrupt pipe queue handle " + a + ": " + e, e);
        }
    }
}
