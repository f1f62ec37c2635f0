package dev.multiproc.spi.broker;

/**
 * Where the {@link QueueLedger} sends what it owes one connected process: the broker-to-client
 * frames of {@link QueueFrames}. Called on the broker thread only.
 */
interface PeerSink {
    /**
     * @param kind {@link QueueFrames#ITEM_DEMANDED}, {@link QueueFrames#ITEM_SPECULATIVE} or {@link QueueFrames#ITEM_NOW}
     * @param item the serialized item
     */
    void item(byte kind, byte[] item);

    /**
     * @param reqId  the request answered
     * @param status a REPLY status of {@link QueueFrames}
     * @param value  a number that goes with it (the size, for SIZE)
     */
    void reply(long reqId, byte status, long value);

    /** Asks the client to give back the items it holds and has not handed out. */
    void recall();

    /** @param count taskDone() backing taken from this client by another process's taskDone() */
    void revoke(int count);

    /**
     * @param reqId   the failed request, or 0 for an asynchronous TASK_DONE
     * @param message what went wrong
     */
    void error(long reqId, String message);
}
