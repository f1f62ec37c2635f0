package dev.multiproc.launcher.pool.internal;

/** How a map cuts its input into tasks. */
final class Chunking {
    /** Chunks per worker when the input length is known, as Python's {@code Pool.map}. */
    static final int CHUNKS_PER_WORKER = 4;

    private Chunking() {
    }

    /**
     * Python's default: {@code chunksize, extra = divmod(length, processes * 4); if extra: chunksize += 1}.
     *
     * @param length    number of inputs
     * @param processes workers
     * @return the chunk size, at least 1
     */
    static int defaultChunksize(int length, int processes) {
        int per = processes * CHUNKS_PER_WORKER;
        int size = length / per;
        if (length % per != 0) {
            size++;
        }
        return Math.max(1, size);
    }

    /**
     * @param chunksize a chunk size given by the caller
     * @throws IllegalArgumentException if it is below 1
     */
    static void checkChunksize(int chunksize) {
        if (chunksize < 1) {
            throw new IllegalArgumentException("chunksize must be at least 1, was " + chunksize);
        }
    }
}
