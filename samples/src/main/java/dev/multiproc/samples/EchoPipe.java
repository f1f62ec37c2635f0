package dev.multiproc.samples;

import dev.multiproc.Connection;
import dev.multiproc.Context;
import dev.multiproc.IpcProcess;
import dev.multiproc.Multiproc;
import dev.multiproc.Pipe;

/**
 * A child JVM that upper-cases what it receives over a {@link Pipe}: the first example of
 * Python's multiprocessing docs, in Java.
 */
public final class EchoPipe {
    private EchoPipe() {
    }

    /**
     * @param args ignored
     * @throws InterruptedException if interrupted while joining the child
     */
    public static void main(String[] args) throws InterruptedException {
        try (Context ctx = Multiproc.context("pipe")) {
            Pipe pipe = ctx.pipe();
            Connection here = pipe.left();
            Connection there = pipe.right();
            // The lambda captures `there`: the end re-attaches in the child, which owns it from then on.
            IpcProcess echo = ctx.process("echo", () -> {
                for (String s; !(s = there.<String>recv()).equals("bye"); ) {
                    there.send(s.toUpperCase());
                }
            }).start();
            here.send("hello");
            String reply = here.recv();
            System.out.printf("sent 'hello', child %s (pid %d) replied '%s'%n", echo.name(), echo.pid(), reply);
            here.send("bye");
            echo.join();
            System.out.println("child exited with " + echo.exitCode());
        }
    }
}
