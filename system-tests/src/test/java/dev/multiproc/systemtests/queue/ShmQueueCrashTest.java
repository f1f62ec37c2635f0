package dev.multiproc.systemtests.queue;

/** Crashes of a queue's producers and consumers on the {@code shm} transport. */
class ShmQueueCrashTest extends QueueCrashContract {
    @Override
    protected String transport() {
        return "shm";
    }
}
