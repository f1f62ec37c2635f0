package dev.multiproc.samples;

import dev.multiproc.Connection;
import dev.multiproc.Context;
import dev.multiproc.Held;
import dev.multiproc.IpcLock;
import dev.multiproc.IpcProcess;
import dev.multiproc.JoinableQueue;
import dev.multiproc.Multiproc;
import dev.multiproc.Pipe;
import dev.multiproc.Pool;
import dev.multiproc.SharedLong;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The tour: a child that echoes over a pipe, workers that share a queue, a counter and a lock,
 * and a pool that maps a function over a range. Every child is a separate JVM.
 */
public final class Demo {
    private Demo() {
    }

    /**
     * @param args ignored
     * @throws Exception if a child fails
     */
    public static void main(String[] args) throws Exception {
        System.out.println("Multiproc demo: main process " + Multiproc.currentProcess()
                + ", " + Multiproc.cpuCount() + " CPUs, " + launchedFrom());
        try (Context ctx = Multiproc.context("pipe")) {
            echoOverAPipe(ctx);
            workersShareAQueueACounterAndALock(ctx);
            aPoolMapsAFunction(ctx);
        }
    }

    private static void echoOverAPipe(Context ctx) throws InterruptedException {
        Pipe pipe = ctx.pipe();
        Connection here = pipe.left();
        Connection there = pipe.right();
        IpcProcess echo = ctx.process("echo", () -> {
            for (String s; !(s = there.<String>recv()).equals("bye"); ) {
                there.send(s.toUpperCase() + " from " + Multiproc.currentProcess().name());
            }
        }).start();
        here.send("hello");
        System.out.println("1. pipe:  sent 'hello', got '" + here.recv() + "'");
        here.send("bye");
        echo.join();
        System.out.println("          echo (pid " + echo.pid() + ") exited with " + echo.exitCode().getAsInt());
    }

    private static void workersShareAQueueACounterAndALock(Context ctx) throws InterruptedException {
        JoinableQueue<Integer> work = ctx.joinableQueue(100);
        SharedLong sum = ctx.sharedLong(0);
        SharedLong largest = ctx.sharedLong(Long.MIN_VALUE);
        IpcLock lock = ctx.lock();
        List<IpcProcess> workers = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            IpcProcess worker = ctx.process(() -> {
                for (Integer n; (n = work.take()) >= 0; work.taskDone()) {
                    sum.addAndGet(n);                        // lock-free atomic add
                    try (Held held = lock.acquire()) {      // a compound update under the lock
                        largest.set(Math.max(largest.get(), n));
                    }
                }
                work.taskDone();
            });
            worker.setDaemon(true);
            workers.add(worker.start());
        }
        for (int n = 1; n <= 1000; n++) {
            work.put(n);
        }
        work.join();                                         // every item marked done
        for (int w = 0; w < workers.size(); w++) {
            work.put(-1);                                    // one stop sign per worker
        }
        for (IpcProcess worker : workers) {
            worker.join();
        }
        System.out.println("2. queue: 3 workers summed 1..1000 = " + sum.get() + ", largest " + largest.get());
    }

    /** @return whether this program's classes came from the module path or the class path */
    private static String launchedFrom() {
        return Demo.class.getModule().isNamed() ? "on the module path" : "on the class path";
    }

    private static void aPoolMapsAFunction(Context ctx) {
        try (Pool pool = ctx.pool(2)) {
            List<Integer> squares = pool.map(x -> x * x, IntStream.rangeClosed(1, 10).boxed().toList());
            String where = pool.apply(() -> Multiproc.currentProcess().name() + ", " + launchedFrom());
            System.out.println("3. pool:  squares " + squares + "; a task ran in " + where);
        }
    }
}
