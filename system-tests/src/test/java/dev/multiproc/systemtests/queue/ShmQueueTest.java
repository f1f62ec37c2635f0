package dev.multiproc.systemtests.queue;

/** The queue contract on the {@code shm} transport: slots in a shared file, no broker. */
class ShmQueueTest extends QueueContract {
    @Override
    protected String transport() {
        return "shm";
    }
}
