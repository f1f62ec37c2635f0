package dev.multiproc;

import java.nio.file.Path;

/**
 * A {@link JoinableQueue} kept in a journal on disk. Items survive the crash and restart of every
 * process; competing consumers get each item once; an item taken by a consumer that dies before
 * {@link #taskDone()} is delivered again. Reopening the directory resumes where it stopped.
 *
 * @param <E> the item type
 */
public interface DurableQueue<E> extends JoinableQueue<E> {
    /** @return the journal directory */
    Path directory();

    /** @return items put and not yet marked done */
    long pending();
}
