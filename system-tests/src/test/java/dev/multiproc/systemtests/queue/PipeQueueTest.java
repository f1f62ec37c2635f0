package dev.multiproc.systemtests.queue;

/** The queue contract on the {@code pipe} transport (a broker in the creating process, over UDS). */
class PipeQueueTest extends QueueContract {
    @Override
    protected String transport() {
        return "pipe";
    }
}
