package dev.multiproc.systemtests.pool;

/** The pool contract over the "pipe" transport. */
class PipePoolTest extends PoolContractTest {
    @Override
    String transport() {
        return "pipe";
    }
}
