package dev.multiproc.launcher.internal;


import dev.multiproc.spi.log.Log;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * Turns this JVM's class path into one a child JVM can use on its own. A manifest-only jar (a jar
 * holding nothing but a manifest whose {@code Class-Path} lists the real entries, as Surefire's
 * booter jar does) is replaced by the entries it lists, resolved against the jar's location,
 * recursively. Other entries are kept as they are.
 *
 * <p>The class path of the JVM is not always where the program's classes are: {@code mvn exec:java}
 * runs {@code main} in Maven's JVM, whose {@code java.class.path} is Maven's launcher
 * ({@code plexus-classworlds}), with the project and the library in a {@link URLClassLoader} made
 * for it; application servers and IDE runners do the same. {@link #ofThisJvm} adds the
 * {@code file:} URLs of such loaders, from the ones that loaded the library and the caller's
 * context, so that the child sees what the parent's code sees.
 */
public final class ClassPaths {
    private static final Log LOG = Log.of(ClassPaths.class);
    private static final String META_INF = "META-INF/";

    private ClassPaths() {
    }

    /**
     * @param contextLoader the class loader of the code that starts children (its thread's context loader), or null
     * @return this JVM's class path, expanded, followed by the {@code file:} entries of the
     *         {@link URLClassLoader}s that loaded this library or are {@code contextLoader} and its parents,
     *         parents first; duplicates removed, order kept
     */
    public static List<String> ofThisJvm(ClassLoader contextLoader) {
        Set<String> out = new LinkedHashSet<>(expand(System.getProperty("java.class.path")));
        for (ClassLoader start : new ClassLoader[] {ClassPaths.class.getClassLoader(), contextLoader}) {
            out.addAll(loaderEntries(start));
        }
        return List.copyOf(out);
    }

    /**
     * @param loader a class loader, or null
     * @return the {@code file:} URLs of it and its parents that are {@link URLClassLoader}s, as paths, parents first
     */
    static List<String> loaderEntries(ClassLoader loader) {
        List<ClassLoader> chain = new ArrayList<>();
        for (ClassLoader l = loader; l != null; l = l.getParent()) {
            chain.addFirst(l);
        }
        List<String> entries = new ArrayList<>();
        for (ClassLoader l : chain) {
            if (l instanceof URLClassLoader urls) {
                for (URL url : urls.getURLs()) {
                    addFileUrl(url, l, entries);
                }
            }
        }
        return entries;
    }

    private static void addFileUrl(URL url, ClassLoader loader, List<String> entries) {
        if (!"file".equalsIgnoreCase(url.getProtocol())) {
            LOG.warn("class loader {} holds {}, which is not a file: child JVMs will not see its classes", loader, url);
            return;
        }
        try {
            entries.addAll(expand(Path.of(url.toURI()).toString()));
        } catch (URISyntaxException | IllegalArgumentException e) {
            LOG.warn("class loader {} holds {}, which is not a file path ({}): child JVMs will not see its classes",
                    loader, url, e.toString());
        }
    }

    /**
     * @param classPath a class path in this platform's syntax ({@link File#pathSeparator} separated)
     * @return its entries, with manifest-only jars expanded; duplicates removed, order kept
     */
    public static List<String> expand(String classPath) {
        Set<String> out = new LinkedHashSet<>();
        Set<Path> visited = new HashSet<>();
        if (classPath != null) {
            for (String entry : classPath.split(File.pathSeparator)) {
                if (!entry.isEmpty()) {
                    expandEntry(Path.of(entry), entry, out, visited);
                }
            }
        }
        return List.copyOf(out);
    }

    private static void expandEntry(Path path, String asGiven, Set<String> out, Set<Path> visited) {
        List<Path> listed = manifestOnlyClassPath(path);
        if (listed.isEmpty()) {
            out.add(asGiven);
            return;
        }
        if (!visited.add(path.toAbsolutePath().normalize())) {
            return; // a cycle of manifest-only jars
        }
        for (Path p : listed) {
            expandEntry(p, p.toString(), out, visited);
        }
    }

    /**
     * @param jar a class-path entry
     * @return the entries its manifest lists if it is a manifest-only jar with a {@code Class-Path},
     *         resolved against its location; empty otherwise (a directory, a jar with classes, no jar)
     */
    static List<Path> manifestOnlyClassPath(Path jar) {
        if (!Files.isRegularFile(jar)) {
            return List.of();
        }
        try (JarFile file = new JarFile(jar.toFile(), false)) {
            Manifest manifest = file.getManifest();
            String classPath = manifest == null ? null : manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
            if (classPath == null || classPath.isBlank() || hasContent(file)) {
                return List.of();
            }
            URI base = jar.toAbsolutePath().toUri();
            List<Path> entries = new ArrayList<>();
            for (String token : classPath.trim().split("\\s+")) {
                Path resolved = resolve(base, jar, token);
                if (resolved != null) {
                    entries.add(resolved);
                }
            }
            return entries;
        } catch (IOException e) {
            LOG.debug("class-path entry {} is not a readable jar ({}); kept as it is", jar, e.toString());
            return List.of();
        }
    }

    private static boolean hasContent(JarFile file) {
        Enumeration<JarEntry> entries = file.entries();
        while (entries.hasMoreElements()) {
            if (!entries.nextElement().getName().startsWith(META_INF)) {
                return true;
            }
        }
        return false;
    }

    private static Path resolve(URI base, Path jar, String token) {
        try {
            URI uri = base.resolve(token);
            if (!"file".equalsIgnoreCase(uri.getScheme())) {
                LOG.warn("manifest Class-Path entry '{}' of {} is not a file URL; a child JVM will not see it", token, jar);
                return null;
            }
            return Path.of(uri);
        } catch (IllegalArgumentException notAUri) {
            // Not a valid relative URL (e.g. an unescaped character): read it as a plain path.
            Path parent = jar.toAbsolutePath().getParent();
            return parent == null ? Path.of(token) : parent.resolve(token);
        }
    }
}
