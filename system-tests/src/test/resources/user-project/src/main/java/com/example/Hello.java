package com.example;

import dev.multiproc.Connection;
import dev.multiproc.Context;
import dev.multiproc.IpcProcess;
import dev.multiproc.JoinableQueue;
import dev.multiproc.Multiproc;
import dev.multiproc.Pipe;
import dev.multiproc.Pool;
import dev.multiproc.SharedLong;

import java.util.List;

/** A user's first program: a child over a pipe, two consumers of a joinable queue, a pool. */
public class Hello {
    public static void main(String[] args) throws Exception {
        try (Context ctx = Multiproc.context("pipe")) {
            Pipe pipe = ctx.pipe();
            Connection here = pipe.left(), there = pipe.right();
            IpcProcess echo = ctx.process("echo", () -> there.send(there.<String>recv().toUpperCase())).start();
            here.send("hello");
            System.out.println("pipe: " + here.recv());
            echo.join();

            JoinableQueue<Integer> work = ctx.joinableQueue();
            SharedLong sum = ctx.sharedLong(0);
            for (int i = 0; i < 2; i++) {
                ctx.process("consumer-" + i, () -> {
                    for (int n; (n = work.take()) >= 0; work.taskDone()) {
                        sum.addAndGet(n);
                    }
                    work.taskDone();
                }).start();
            }
            for (int n = 1; n <= 100; n++) {
                work.put(n);
            }
            work.put(-1);
            work.put(-1);
            work.join();
            System.out.println("queue: sum " + sum.get());

            try (Pool pool = ctx.pool(2)) {
                System.out.println("pool: " + pool.map(x -> x * x, List.of(1, 2, 3, 4)));
            }
        }
    }
}
