package dev.multiproc.spi.broker;

import dev.multiproc.SerializationException;
import dev.multiproc.wire.HandleDescriptor;

import java.util.Map;

/**
 * What a brokered queue's handle carries to another process: where its broker listens and the
 * queue's shape. Written as a {@link HandleDescriptor} whose provider names the transport's
 * endpoints ({@link BrokerEndpoints#provider()}).
 *
 * @param provider      the provider of the handle, e.g. "pipe.queue"
 * @param name          the queue's name, unique on the host
 * @param address       the broker's address ({@link BrokerEndpoints.Listener#address()})
 * @param maxsize       capacity; zero or negative means unbounded
 * @param joinable      whether taskDone/join are allowed
 * @param ownerPid      the process that created the queue and hosts its broker
 * @param maxFrameBytes the largest item the broker accepts
 */
public record QueueDescriptor(String provider, String name, String address, int maxsize, boolean joinable,
                              long ownerPid, int maxFrameBytes) {
    /** Kind of a plain queue handle. */
    public static final String KIND_QUEUE = "queue";
    /** Kind of a joinable queue handle. */
    public static final String KIND_JOINABLE = "joinableQueue";
    private static final String ATTR_NAME = "name";
    private static final String ATTR_ADDRESS = "address";
    private static final String ATTR_MAXSIZE = "maxsize";
    private static final String ATTR_MAX_FRAME = "maxFrameBytes";

    /** @return whether the queue has a capacity */
    public boolean bounded() {
        return maxsize > 0;
    }

    /** @return the wire form, to which the handle adds its serializer */
    public HandleDescriptor.Builder toHandle() {
        return HandleDescriptor.newBuilder()
                .setKind(joinable ? KIND_JOINABLE : KIND_QUEUE)
                .setProvider(provider)
                .setCreatorPid(ownerPid)
                .putAttributes(ATTR_NAME, name)
                .putAttributes(ATTR_ADDRESS, address)
                .putAttributes(ATTR_MAXSIZE, Integer.toString(maxsize))
                .putAttributes(ATTR_MAX_FRAME, Integer.toString(maxFrameBytes));
    }

    /**
     * @param d a descriptor written by {@link #toHandle()}
     * @return the queue it names
     * @throws SerializationException if it is not a queue descriptor
     */
    public static QueueDescriptor fromHandle(HandleDescriptor d) {
        boolean joinable = KIND_JOINABLE.equals(d.getKind());
        if (!joinable && !KIND_QUEUE.equals(d.getKind())) {
            throw new SerializationException("handle of kind '" + d.getKind() + "' is not a queue");
        }
        Map<String, String> a = d.getAttributesMap();
        try {
            return new QueueDescriptor(d.getProvider(), a.get(ATTR_NAME), a.get(ATTR_ADDRESS).toString(),
                    Integer.parseInt(a.get(ATTR_MAXSIZE)), joinable, d.getCreatorPid(),
                    Integer.parseInt(a.get(ATTR_MAX_FRAME)));
        } catch (RuntimeException e) {
            throw new SerializationException("corrupt queue handle " + a + ": " + e, e);
        }
    }
}
