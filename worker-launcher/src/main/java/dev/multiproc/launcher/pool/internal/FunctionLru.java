package dev.multiproc.launcher.pool.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The functions a worker holds, least recently used first. The pool keeps one per worker (values
 * unused) and the worker keeps the same one (values: the functions): both apply the same
 * operations in the same order (the order tasks are sent), so the pool knows, without asking,
 * whether a task must carry its function's bytes. Not thread-safe.
 *
 * @param <V> what is kept for each function id
 */
final class FunctionLru<V> extends LinkedHashMap<Long, V> {
    /** Functions a worker keeps; a map or apply using more functions than this re-sends them. */
    static final int CAPACITY = 64;
    private static final long serialVersionUID = 1L;

    FunctionLru() {
        super(16, 0.75f, true);
    }

    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, V> eldest) {
        return size() > CAPACITY;
    }
}
