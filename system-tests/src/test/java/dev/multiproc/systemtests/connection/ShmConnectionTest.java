package dev.multiproc.systemtests.connection;

/** The {@link dev.multiproc.Connection} contract on the "shm" transport (shared-memory rings). */
class ShmConnectionTest extends ConnectionContract {
    @Override
    protected String transport() {
        return "shm";
    }
}
