package dev.multiproc;

import java.io.Serializable;

/**
 * What a child process runs ({@code Process(target=...)} in Python). Serializable, so a lambda
 * and everything it captures (queues, pipe ends, shared values) travel to the child.
 */
@FunctionalInterface
public interface ProcessTarget extends Serializable {
    /**
     * Runs in the child process. An exception thrown here ends the child with exit code 1.
     *
     * @throws Exception anything; it is reported through {@link IpcProcess#failure()}
     */
    void run() throws Exception;
}
