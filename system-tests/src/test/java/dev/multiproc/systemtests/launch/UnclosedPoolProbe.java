package dev.multiproc.systemtests.launch;

import dev.multiproc.Context;
import dev.multiproc.Multiproc;
import dev.multiproc.Pool;

import java.util.List;
import java.util.stream.IntStream;

/** Uses a pool and returns from main without closing it or its context ({@link UnclosedPoolExitTest}). */
public final class UnclosedPoolProbe {
    private UnclosedPoolProbe() {
    }

    /**
     * @param args unused
     */
    public static void main(String[] args) {
        Context ctx = Multiproc.context("pipe");
        Pool pool = ctx.pool(3);
        List<Integer> squares = pool.map(x -> x * x, IntStream.range(0, 1000).boxed().toList(), 1);
        System.out.println("mapped " + squares.size());
    }
}
