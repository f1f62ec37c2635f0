package dev.multiproc.systemtests.connection;

/** The {@link dev.multiproc.Connection} contract on the "pipe" transport (Unix-domain socket pairs). */
class PipeConnectionTest extends ConnectionContract {
    @Override
    protected String transport() {
        return "pipe";
    }
}
