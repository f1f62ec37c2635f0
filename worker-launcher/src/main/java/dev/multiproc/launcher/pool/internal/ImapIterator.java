package dev.multiproc.launcher.pool.internal;

import dev.multiproc.Serializer;
import dev.multiproc.spi.wait.WaitStrategy;
import dev.multiproc.wire.RemoteError;
import dev.multiproc.wire.TaskResult;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The iterator of {@code imap} and {@code imapUnordered}: lazy. The input is read in the
 * consumer's thread, a chunk at a time, only while fewer than {@code maxChunksAhead} chunks are
 * submitted and not yet consumed, so an infinite input works and memory stays bounded.
 *
 * <p>A task's exception is thrown by {@link #next()} at that input's position (a
 * {@link dev.multiproc.RemoteException}, or {@link dev.multiproc.WorkerLostException} if the
 * worker died), and iteration goes on after it. An exception thrown by the input iterator is
 * thrown as is once the results of every input before it have been returned; iteration then
 * ends. Not thread-safe: one consumer.
 *
 * <p>With no chunk size given, the size adapts: it starts at 1 (a slow task is never held behind
 * another in a chunk), then follows the time workers report running each item for, so that a chunk
 * takes about {@link #TARGET_CHUNK_NANOS} of a worker's time, at most doubling from one chunk to the next and
 * at most {@link #MAX_ADAPTIVE_CHUNK}. Fast functions then pay the per-task cost once per chunk,
 * not once per item. The read-ahead stays as many items as with chunks of 1, or two chunks per
 * worker if that is more.
 *
 * @param <T> the input type
 * @param <R> the result type
 */
final class ImapIterator<T, R> implements Iterator<R> {
    /** Submits one chunk of already serialized inputs. */
    interface ChunkSubmitter {
        /**
         * @param inputs the chunk
         * @param sink   where its outcome goes
         */
        void submit(PackedValues.Writer inputs, TaskSink sink);
    }

    /** Worker time an adaptive chunk aims at: long enough to hide the per-task cost (tens of microseconds). */
    static final long TARGET_CHUNK_NANOS = 2_000_000;
    /** The largest adaptive chunk. */
    static final int MAX_ADAPTIVE_CHUNK = 256;

    private final Iterator<? extends T> source;
    /** The chunk size asked for, or 0 to adapt. */
    private final int fixedChunksize;
    private final int processes;
    private final int maxChunksAhead;
    private final boolean ordered;
    private final Serializer serializer;
    private final ChunkSubmitter submitter;
    private final WaitStrategy waits;

    private final ArrayDeque<SpinningFuture<Outcome>> inOrder = new ArrayDeque<>();
    private final LinkedBlockingQueue<Outcome> completed = new LinkedBlockingQueue<>();
    private int outstanding;
    private Outcome current;
    private int position;
    private boolean sourceDone;
    private RuntimeException sourceError;
    private boolean finished;
    /** Items whose results arrived, and the worker time they took (written by the threads that deliver them). */
    private final AtomicLong itemsTimed = new AtomicLong();
    private final AtomicLong itemNanos = new AtomicLong();
    private int adaptiveChunksize = 1;

    /**
     * @param chunksize      items per chunk, or 0 to adapt to the function's speed
     * @param processes      the pool's workers
     * @param maxChunksAhead chunks submitted and not consumed, at most (with chunks of 1; adaptive
     *                       chunks keep about as many items ahead)
     */
    ImapIterator(Iterator<? extends T> source, int chunksize, int processes, int maxChunksAhead, boolean ordered,
                 Serializer serializer, WaitStrategy waits, ChunkSubmitter submitter) {
        this.waits = waits;
        this.source = source;
        this.fixedChunksize = chunksize;
        this.processes = Math.max(1, processes);
        this.maxChunksAhead = maxChunksAhead;
        this.ordered = ordered;
        this.serializer = serializer;
        this.submitter = submitter;
    }

    /** Submits the first chunks at once, so work starts before the first {@link #next()}. */
    ImapIterator<T, R> begin() {
        topUp();
        return this;
    }

    @Override
    public boolean hasNext() {
        while (true) {
            if (current != null && position < current.size) {
                return true;
            }
            current = null;
            if (finished) {
                return false;
            }
            topUp();
            if (outstanding > 0) {
                current = take();
                outstanding--;
                position = 0;
                continue;
            }
            if (sourceError != null) {
                return true;
            }
            finished = true;
            return false;
        }
    }

    @Override
    public R next() {
        if (!hasNext()) {
            throw new NoSuchElementException("imap has no more results");
        }
        if (current == null) {
            RuntimeException e = sourceError;
            sourceError = null;
            finished = true;
            throw e;
        }
        return current.item(position++);
    }

    /** Reads and submits chunks while there is room ahead. */
    private void topUp() {
        while (!sourceDone && outstanding < chunksAhead()) {
            int chunksize = nextChunksize();
            PackedValues.Writer chunk = new PackedValues.Writer(Math.min(chunksize, 1024) * 8);
            try {
                while (chunk.count() < chunksize && source.hasNext()) {
                    chunk.add(serializer.serialize(source.next()));
                }
                if (chunk.count() < chunksize) {
                    sourceDone = true;
                }
            } catch (RuntimeException e) {
                sourceError = e;
                sourceDone = true;
            }
            if (chunk.count() == 0) {
                return;
            }
            Sink sink = new Sink(chunk.count());
            try {
                submitter.submit(chunk, sink);
            } catch (RuntimeException rejected) {
                if (ordered) {
                    inOrder.pollLast();
                }
                throw rejected;
            }
            outstanding++;
        }
    }

    private int nextChunksize() {
        if (fixedChunksize > 0) {
            return fixedChunksize;
        }
        long items = itemsTimed.get();
        if (items > 0) {
            long ideal = TARGET_CHUNK_NANOS * items / Math.max(1, itemNanos.get());
            adaptiveChunksize = (int) Math.clamp(ideal, 1, Math.min(MAX_ADAPTIVE_CHUNK, 2L * adaptiveChunksize));
        }
        return adaptiveChunksize;
    }

    private int chunksAhead() {
        return fixedChunksize > 0 ? maxChunksAhead : Math.max(2 * processes, maxChunksAhead / adaptiveChunksize);
    }

    private Outcome take() {
        try {
            return ordered ? inOrder.poll().get() : completed.take();
        } catch (InterruptedException e) {
            throw Failures.interrupted(e, "imap results");
        } catch (ExecutionException e) {
            throw new IllegalStateException("imap chunk futures never fail", e);
        }
    }

    /** A chunk's outcome: results, or why there are none. */
    private final class Outcome {
        final int size;
        final TaskResult result;
        final Throwable failure;
        private byte[] outputs;
        private int[] index;

        Outcome(int size, TaskResult result, Throwable failure) {
            this.size = size;
            this.result = result;
            this.failure = failure;
        }

        R item(int index) {
            if (failure != null) {
                throw Failures.forCaller(failure, serializer);
            }
            RemoteError error = Failures.errorOf(result, index);
            if (error != null) {
                throw Failures.forCaller(error, serializer);
            }
            if (outputs == null) {
                outputs = result.getPackedOutputs().toByteArray();
                this.index = PackedValues.index(outputs);
            }
            return serializer.deserialize(outputs, this.index[2 * index], this.index[2 * index + 1]);
        }
    }

    /** Delivers one chunk's outcome to the consumer. */
    private final class Sink implements TaskSink {
        private final int size;
        private final SpinningFuture<Outcome> future;

        Sink(int size) {
            this.size = size;
            if (ordered) {
                future = new SpinningFuture<>(waits);
                inOrder.add(future);
            } else {
                future = null;
            }
        }

        @Override
        public void completed(PoolTask task, TaskResult result) {
            itemNanos.addAndGet(result.getRunNanos());
            itemsTimed.addAndGet(size);
            deliver(new Outcome(size, result, null));
        }

        @Override
        public void failed(PoolTask task, Throwable error) {
            deliver(new Outcome(size, null, error));
        }

        private void deliver(Outcome outcome) {
            if (ordered) {
                future.complete(outcome);
            } else {
                completed.add(outcome);
            }
        }
    }
}
