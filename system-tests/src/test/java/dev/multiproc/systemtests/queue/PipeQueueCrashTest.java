package dev.multiproc.systemtests.queue;

/** Crashes of a queue's producers and consumers on the {@code pipe} transport. */
class PipeQueueCrashTest extends QueueCrashContract {
    @Override
    protected String transport() {
        return "pipe";
    }
}
