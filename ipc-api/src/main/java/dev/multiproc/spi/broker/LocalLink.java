package dev.multiproc.spi.broker;

import dev.multiproc.spi.frame.FrameWriter;

/**
 * A {@link BrokerLink} for the process that hosts the broker: each frame is applied to the
 * {@link QueueLedger} directly, under the broker's lock, which is also this client's lock. The
 * ledger answers through a {@link PeerSink} that calls the client at once; only a RECALL is run
 * after the ledger call that caused it, so the ledger is never re-entered. Thread-safe.
 */
final class LocalLink implements BrokerLink, PeerSink {
    private final QueueBroker broker;
    private final QueueClient client;
    private LedgerPeer peer;

    LocalLink(QueueBroker broker, QueueClient client) {
        this.broker = broker;
        this.client = client;
    }

    void attach(LedgerPeer peer) {
        this.peer = peer;
    }

    private QueueLedger ledger() {
        return broker.ledgerLocked();
    }

    private void apply(Runnable op) {
        broker.lock().lock();
        try {
            broker.checkServing();
            op.run();
            broker.runDeferredLocked();
        } finally {
            broker.lock().unlock();
        }
    }

    @Override
    public void put(byte mode, long reqId, byte[] item) {
        apply(() -> ledger().put(peer, mode, reqId, item));
    }

    @Override
    public void longCommand(byte command, long value) {
        apply(() -> BrokerAdapter.applyLong(ledger(), peer, command, value));
    }

    @Override
    public void intCommand(byte command, int value) {
        if (command != QueueFrames.PREFETCH) { // items are handed over in place here: nothing to send ahead
            apply(() -> BrokerAdapter.applyInt(ledger(), peer, command, value));
        }
    }

    @Override
    public void ack() {
        apply(() -> ledger().ack(peer, 1));
    }

    @Override
    public void flush(FrameWriter.Urgency urgency) {
        broker.flushFromCaller(urgency);
    }

    @Override
    public boolean serveWhileWaiting(long nanos) {
        return broker.serveWhileWaitingLocked(nanos);
    }

    /** The broker thread left the serving to this process's waiting takers (called with the broker lock held). */
    void serveFree() {
        client.onServeFree();
    }

    @Override
    public void close() {
        broker.lock().lock();
        try {
            if (broker.isOpen()) {
                ledger().detach(peer);
                broker.runDeferredLocked();
            }
        } finally {
            broker.lock().unlock();
        }
        broker.flushFromCaller(FrameWriter.Urgency.NOW);
    }

    // ---- the ledger's answers, delivered in place (called with the broker lock held)

    @Override
    public void item(byte kind, byte[] item) {
        client.onItem(kind, item);
    }

    @Override
    public void reply(long reqId, byte status, long value) {
        client.onReply(reqId, status, value);
    }

    @Override
    public void recall() {
        broker.deferLocked(client::onRecall);
    }

    @Override
    public void revoke(int count) {
        client.onRevoke(count);
    }

    @Override
    public void error(long reqId, String message) {
        client.onError(reqId, message);
    }
}
