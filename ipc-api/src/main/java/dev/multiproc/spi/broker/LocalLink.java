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
    public void demand(int delta) {
        apply(() -> ledger().demand(peer, delta));
    }

    @Override
    public void poll(long reqId) {
        apply(() -> ledger().poll(peer, reqId));
    }

    @Override
    public void prefetch(int target) {
        // items are handed over in place here: nothing to send ahead
    }

    @Override
    public void ack() {
        apply(() -> ledger().ack(peer, 1));
    }

    @Override
    public void returned(int count) {
        apply(() -> ledger().returned(peer, count));
    }

    @Override
    public void size(long reqId) {
        apply(() -> ledger().size(peer, reqId));
    }

    @Override
    public void taskDone(int count) {
        apply(() -> ledger().taskDone(peer, count));
    }

    @Override
    public void doneCheck(long reqId) {
        apply(() -> ledger().doneCheck(peer, reqId));
    }

    @Override
    public void join(long reqId) {
        apply(() -> ledger().join(peer, reqId));
    }

    @Override
    public void cancel(long reqId) {
        apply(() -> ledger().cancel(peer, reqId));
    }

    @Override
    public void sync(long reqId) {
        apply(() -> ledger().sync(peer, reqId));
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
    public void pushOff() {
        // never pushed to: the owner's client does not ask for items ahead
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
