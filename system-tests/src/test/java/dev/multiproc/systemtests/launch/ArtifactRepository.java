package dev.multiproc.systemtests.launch;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Maven local repository holding this build's artifacts ({@code dev.multiproc:*}: poms and
 * jars, the jar made from the class directory when this build has not packaged it), and
 * everything else of the user's local repository through symbolic links: a build against it
 * runs offline and never writes the library into the user's repository.
 */
final class ArtifactRepository {
    private static final Pattern PARENT_VERSION = Pattern.compile(
            "<artifactId>multiproc-parent</artifactId>\\s*<version>([^<]+)</version>");
    private final Path root;
    private final String version;

    private ArtifactRepository(Path root, String version) {
        this.root = root;
        this.version = version;
    }

    /** @return the repository's directory */
    Path root() {
        return root;
    }

    /**
     * Deletes the repository: the links first (only the links, never what they point to), then
     * this build's files.
     */
    void delete() throws IOException {
        for (Path dir : List.of(root.resolve("dev"), root)) {
            if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                try (Stream<Path> entries = Files.list(dir)) {
                    for (Path p : entries.filter(Files::isSymbolicLink).toList()) {
                        Files.delete(p);
                    }
                }
            }
        }
        try (Stream<Path> walk = Files.walk(root)) { // no link is left to follow
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** @return the library's version */
    String version() {
        return version;
    }

    /**
     * @param root    where to create it
     * @param modules each module's artifact id and a class of it, found on this JVM's class path
     * @return the repository
     */
    static ArtifactRepository create(Path root, Map<String, Class<?>> modules) throws IOException, URISyntaxException {
        Path sources = sourceRoot();
        Matcher m = PARENT_VERSION.matcher(Files.readString(sources.resolve("pom.xml")));
        if (!m.find()) {
            throw new AssertionError("no multiproc-parent version in " + sources.resolve("pom.xml"));
        }
        String version = m.group(1);
        linkUserRepository(userRepository(), root);
        Path group = root.resolve("dev/multiproc");
        place(group, "multiproc-parent", version, sources.resolve("pom.xml"), null);
        for (Map.Entry<String, Class<?>> module : modules.entrySet()) {
            Path classes = Path.of(module.getValue().getProtectionDomain().getCodeSource().getLocation().toURI());
            place(group, module.getKey(), version, sources.resolve(module.getKey()).resolve("pom.xml"), classes);
        }
        return new ArtifactRepository(root, version);
    }

    /** @return the project's root: this module runs with its own directory as the working directory */
    private static Path sourceRoot() throws IOException {
        Path dir = Path.of("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            Path pom = p.resolve("pom.xml");
            if (Files.isRegularFile(pom) && Files.readString(pom).contains("<artifactId>multiproc-parent</artifactId>")
                    && Files.isDirectory(p.resolve("ipc-api"))) {
                return p;
            }
        }
        throw new AssertionError("no multiproc source tree above " + dir);
    }

    /** @return the user's local repository, where this JVM's protobuf jar lies (…/com/google/protobuf/protobuf-java/V/x.jar) */
    private static Path userRepository() throws URISyntaxException {
        Path jar = Path.of(com.google.protobuf.Message.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path repo = jar;
        for (int i = 0; i < 6 && repo != null; i++) {
            repo = repo.getParent();
        }
        if (repo == null || !Files.isDirectory(repo.resolve("com/google/protobuf"))) {
            throw new AssertionError("protobuf is not in a Maven local repository here: " + jar);
        }
        return repo;
    }

    private static void linkUserRepository(Path user, Path root) throws IOException {
        Files.createDirectories(root.resolve("dev"));
        try (Stream<Path> top = Files.list(user)) {
            for (Path p : top.toList()) {
                if (!p.getFileName().toString().equals("dev")) {
                    Files.createSymbolicLink(root.resolve(p.getFileName().toString()), p);
                }
            }
        }
        if (Files.isDirectory(user.resolve("dev"))) {
            try (Stream<Path> dev = Files.list(user.resolve("dev"))) {
                for (Path p : dev.toList()) {
                    if (!p.getFileName().toString().equals("multiproc")) {
                        Files.createSymbolicLink(root.resolve("dev").resolve(p.getFileName().toString()), p);
                    }
                }
            }
        }
    }

    private static void place(Path group, String artifact, String version, Path pom, Path classes) throws IOException {
        Path dir = Files.createDirectories(group.resolve(artifact).resolve(version));
        Files.copy(pom, dir.resolve(artifact + "-" + version + ".pom"));
        if (classes == null) {
            return;
        }
        Path jar = dir.resolve(artifact + "-" + version + ".jar");
        if (Files.isRegularFile(classes)) {
            Files.copy(classes, jar);
        } else {
            jarOf(classes, jar);
        }
    }

    private static void jarOf(Path classes, Path jar) throws IOException {
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file);
             Stream<Path> walk = Files.walk(classes)) {
            for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(p).toString().replace('\\', '/')));
                Files.copy(p, out);
                out.closeEntry();
            }
        }
    }
}
