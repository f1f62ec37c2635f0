package dev.multiproc.launcher.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.assertj.core.api.Assertions.assertThat;

class ClassPathsTest {
    @TempDir
    Path tmp;

    @Test
    void manifestOnlyJarIsReplacedByItsEntriesResolvedAgainstItsLocation() throws IOException {
        Path libs = Files.createDirectories(tmp.resolve("with space/libs"));
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        Path absolute = Files.createDirectories(tmp.resolve("elsewhere"));
        Path booter = manifestJar(tmp.resolve("booter/booter.jar"),
                "../with%20space/libs/a.jar ../classes/ " + absolute.toUri(), false);

        assertThat(ClassPaths.expand(booter.toString())).containsExactly(
                libs.resolve("a.jar").toString(), classes.toString(), absolute.toString());
    }

    @Test
    void jarWithClassesAndDirectoriesAreKeptAsGiven() throws IOException {
        Path fat = manifestJar(tmp.resolve("app.jar"), "lib/dep.jar", true);
        Path dir = Files.createDirectories(tmp.resolve("dir"));
        String classPath = fat + File.pathSeparator + dir + File.pathSeparator + tmp.resolve("missing.jar");

        assertThat(ClassPaths.expand(classPath))
                .containsExactly(fat.toString(), dir.toString(), tmp.resolve("missing.jar").toString());
    }

    @Test
    void nestedManifestOnlyJarsAreExpandedAndCyclesStop() throws IOException {
        Path inner = manifestJar(tmp.resolve("inner.jar"), "outer.jar real/", false);
        Path outer = manifestJar(tmp.resolve("outer.jar"), "inner.jar", false);

        assertThat(ClassPaths.expand(outer.toString())).containsExactly(tmp.resolve("real").toString());
        assertThat(ClassPaths.manifestOnlyClassPath(inner)).hasSize(2);
    }

    @Test
    void emptyAndDuplicateEntriesAreDropped() {
        String a = tmp.resolve("a").toString();
        assertThat(ClassPaths.expand(a + File.pathSeparator + File.pathSeparator + a)).containsExactly(a);
        assertThat(ClassPaths.expand(null)).isEmpty();
    }

    @Test
    void urlClassLoadersAddTheirFileEntriesParentsFirstAsUnderMavenExecJava() throws IOException {
        Path outer = Files.createDirectories(tmp.resolve("outer"));
        Path inner = Files.createDirectories(tmp.resolve("inner classes"));
        Path booter = manifestJar(tmp.resolve("booter.jar"), tmp.resolve("listed").toUri().toString(), false);
        try (URLClassLoader parent = new URLClassLoader(new URL[]{outer.toUri().toURL()}, null);
             URLClassLoader child = new URLClassLoader(new URL[]{
                     inner.toUri().toURL(), booter.toUri().toURL(), URI.create("http://example.com/x.jar").toURL()}, parent)) {
            assertThat(ClassPaths.loaderEntries(child)).containsExactly(
                    outer.toString(), inner.toString(), tmp.resolve("listed").toString());
            assertThat(ClassPaths.ofThisJvm(child)).endsWith(
                    outer.toString(), inner.toString(), tmp.resolve("listed").toString());
        }
        assertThat(ClassPaths.loaderEntries(null)).isEmpty();
    }

    private static Path manifestJar(Path jar, String classPath, boolean withClass) throws IOException {
        Files.createDirectories(jar.getParent());
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, classPath);
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            if (withClass) {
                out.putNextEntry(new JarEntry("dev/example/Main.class"));
                out.write(new byte[]{(byte) 0xCA, (byte) 0xFE});
                out.closeEntry();
            }
        }
        return jar;
    }
}
