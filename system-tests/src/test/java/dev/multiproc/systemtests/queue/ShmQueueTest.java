package dev.multiproc.systemtests.queue;

/**
 * The queue contract on an {@code shm} context, whose queues are still the brokered queues of the
 * {@code pipe} transport: what a user of {@code Multiproc.context("shm")} gets today.
 */
class ShmQueueTest extends QueueContract {
    @Override
    protected String transport() {
        return "shm";
    }
}
