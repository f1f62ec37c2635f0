package dev.multiproc.systemtests.pool;

/** The pool contract over the "shm" transport: task and result channels on shared-memory rings. */
class ShmPoolTest extends PoolContractTest {
    @Override
    String transport() {
        return "shm";
    }
}
