package dev.multiproc;

import java.util.Set;

/** A managed bag of named attributes ({@code Manager().Namespace()}). */
public interface Namespace {
    /**
     * @param name attribute name
     * @param <T>  expected type
     * @return its value
     * @throws java.util.NoSuchElementException if there is no such attribute
     */
    <T> T get(String name);

    /**
     * @param name  attribute name
     * @param value its new value
     */
    void set(String name, Object value);

    /**
     * @param name attribute name
     * @return whether it exists
     */
    boolean has(String name);

    /** @param name attribute to remove */
    void remove(String name);

    /** @return every attribute name */
    Set<String> names();
}
