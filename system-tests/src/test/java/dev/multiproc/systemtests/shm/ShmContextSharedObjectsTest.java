package dev.multiproc.systemtests.shm;

import dev.multiproc.Context;
import dev.multiproc.Multiproc;
import dev.multiproc.systemtests.LeakCheck;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;

/** The shared-objects contract on an "shm" context. */
@ExtendWith(LeakCheck.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ShmContextSharedObjectsTest extends SharedObjectsContractTest {
    @Override
    protected Context newContext() {
        return Multiproc.context("shm");
    }
}
