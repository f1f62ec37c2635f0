package dev.multiproc;

/**
 * The two ends of a pipe ({@code Pipe()} in Python). With {@code duplex=false}, {@link #left()}
 * only receives and {@link #right()} only sends.
 */
public interface Pipe {
    /** @return the left end (the receiving end of a one-way pipe) */
    Connection left();

    /** @return the right end (the sending end of a one-way pipe) */
    Connection right();
}
