package dev.multiproc.launcher.internal;

import dev.multiproc.spi.auth.Sha256;
import dev.multiproc.spi.log.Log;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * JDK 25's AOT cache (JEP 483/514/515) for child JVMs, made and used without the user asking:
 * classes of a child's start-up path come loaded and linked from the cache, and the JIT starts
 * from the training run's profiles. A cache belongs to one exact child command (the {@code java},
 * its options, its class or module path, and the size and time of every jar on it), so it is
 * never used stale: a changed jar or option is another cache. The first time a command is seen
 * without a cache, one training child ({@link ChildMain} with {@code -Dmultiproc.aotTraining},
 * which runs {@link SpareWarmup} and exits) writes it in the background, once per command and
 * JVM, at the lowest CPU priority ({@code nice -n 19}); later children use it. The training
 * runs under {@code /bin/sh}, which moves the finished
 * cache into place, so it completes even if this JVM has exited meanwhile, and a cache is never
 * seen half-written. Only class and module paths of jar files qualify (the JVM's rule).
 *
 * <p>Caches live in {@value #DIRECTORY_PROPERTY} (default {@code $XDG_CACHE_HOME/multiproc/aot},
 * else {@code ~/.cache/multiproc/aot}, 0700), at most {@value #MAX_CACHES} of them: before a
 * training run the least recently used beyond that are deleted, and partial caches of training
 * runs that died. {@code -D}{@value #SETTING}{@code =false} turns this off. Thread-safe.
 */
final class AotCache {
    private static final Log LOG = Log.of(AotCache.class);
    /** System property: {@code false} turns automatic AOT caches off. */
    static final String SETTING = "multiproc.aot";
    /** System property: where the caches live. */
    static final String DIRECTORY_PROPERTY = "multiproc.aotDirectory";
    /** System property that makes a {@link ChildMain} a training run. */
    static final String TRAINING_PROPERTY = "multiproc.aotTraining";
    private static final long TRAINING_TIMEOUT_SECONDS = 300;
    /** Caches kept in the directory: each is 20-60 MB, and every changed jar makes a new one. */
    static final int MAX_CACHES = 8;
    /** A partial cache this old was left by a training run that died (its timeout is far shorter). */
    static final long STALE_PARTIAL_MILLIS = 2 * TRAINING_TIMEOUT_SECONDS * 1000;
    /** Caches whose time this JVM has set since it started, so each is touched once. */
    private static final Set<Path> TOUCHED = ConcurrentHashMap.newKeySet();
    /** The JVM reports a cache it cannot use on these log tags: a child must stay quiet. */
    private static final List<String> QUIET = List.of("-Xlog:aot=off", "-Xlog:cds=off");
    private static final Set<String> TRAINING = ConcurrentHashMap.newKeySet();
    /** The cache file of each child command seen, or empty if it does not qualify ({@link #cacheOf}). */
    private static final Map<List<String>, Optional<Path>> CACHE_OF = new ConcurrentHashMap<>();
    private static final String SHELL = "/bin/sh";

    private AotCache() {
    }

    /**
     * @param command a child's command, as {@link LaunchSpec#command} makes it
     * @return the command using its cache if there is one; else the command as it is (and a
     *         training run is started if the command qualifies)
     */
    static List<String> apply(List<String> command) {
        if ("false".equalsIgnoreCase(System.getProperty(SETTING, "").trim())) {
            return command;
        }
        Optional<Path> cacheOf = CACHE_OF.computeIfAbsent(command, AotCache::cacheOf);
        if (cacheOf.isEmpty()) {
            return command;
        }
        Path cache = cacheOf.get();
        if (Files.isRegularFile(cache)) {
            if (TOUCHED.add(cache)) {
                touch(cache);
            }
            List<String> with = new ArrayList<>(command);
            with.addAll(1, QUIET);
            with.add(1, "-XX:AOTCache=" + cache);
            return with;
        }
        if (TRAINING.add(cache.toString())) {
            Thread.ofPlatform().name("multiproc-aot-training").daemon(true)
                    .start(() -> train(command, cache.getParent(), cache));
        }
        return command;
    }

    /**
     * Works out once per command which cache it gets: the jars' sizes and times are read then,
     * not at every start (32 jars took 0.6-4 ms of each {@code start()}). A jar changed later
     * meets a cache made for the old one, which the child's JVM checks and declines (the JVM
     * validates the class path of an AOT cache); it then starts without, as if there were none.
     *
     * @return the cache file the command would use, or empty if it does not qualify
     */
    private static Optional<Path> cacheOf(List<String> command) {
        if (!Files.isExecutable(Path.of(SHELL)) || !qualifies(command)) {
            return Optional.empty();
        }
        return Optional.of(directory().resolve(key(command) + ".aot"));
    }

    /** @return whether every path entry is a jar file and no AOT option is set already */
    static boolean qualifies(List<String> command) {
        boolean anyPath = false;
        for (int i = 0; i < command.size(); i++) {
            String arg = command.get(i);
            if (arg.startsWith("-XX:AOT") || arg.startsWith("-XX:SharedArchiveFile") || arg.startsWith("-Xshare")) {
                return false;
            }
            String path = null;
            if ((arg.equals("-cp") || arg.equals("-classpath") || arg.equals("--class-path")) && i + 1 < command.size()) {
                path = command.get(i + 1);
            } else if (arg.startsWith("--module-path=")) {
                path = arg.substring("--module-path=".length());
            }
            if (path != null) {
                anyPath = true;
                for (String entry : path.split(File.pathSeparator)) {
                    if (!entry.endsWith(".jar") || !Files.isRegularFile(Path.of(entry))) {
                        return false;
                    }
                }
            }
        }
        return anyPath;
    }

    /** @return a digest of the command and of the size and time of each jar on it */
    static String key(List<String> command) {
        StringBuilder b = new StringBuilder(Runtime.version().toString()).append('\n');
        for (String arg : command) {
            b.append(arg).append('\n');
            for (String entry : arg.split(File.pathSeparator)) {
                if (entry.endsWith(".jar")) {
                    File f = new File(entry);
                    b.append(f.length()).append(' ').append(f.lastModified()).append('\n');
                }
            }
        }
        return HexFormat.of().formatHex(Sha256.digest(b.toString().getBytes(StandardCharsets.UTF_8))).substring(0, 32);
    }

    private static Path directory() {
        String configured = System.getProperty(DIRECTORY_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("multiproc").resolve("aot");
    }

    /** Marks a cache as used now: the least recently used go first ({@link #prune}). */
    private static void touch(Path cache) {
        try {
            Files.setLastModifiedTime(cache, FileTime.fromMillis(System.currentTimeMillis()));
        } catch (IOException e) {
            LOG.debug("cannot touch the AOT cache {}: {}", cache, e.toString());
        }
    }

    /**
     * Deletes all but the {@code keep} most recently used caches of the directory, and partial
     * caches left by training runs that died. A child that was just given a deleted cache starts
     * without one (the JVM's rule for a missing cache), nothing worse.
     *
     * @param dir       the cache directory
     * @param keep      how many caches to keep
     * @param nowMillis the time now
     * @return how many files were deleted
     */
    static int prune(Path dir, int keep, long nowMillis) {
        List<Path> caches = new ArrayList<>();
        int deleted = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (name.endsWith(".aot")) {
                    caches.add(f);
                } else if (name.endsWith(".tmp") && nowMillis - modified(f) > STALE_PARTIAL_MILLIS) {
                    deleted += Files.deleteIfExists(f) ? 1 : 0;
                }
            }
            caches.sort(Comparator.comparingLong(AotCache::modified).reversed());
            for (Path old : caches.subList(Math.min(keep, caches.size()), caches.size())) {
                deleted += Files.deleteIfExists(old) ? 1 : 0;
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("cannot prune the AOT caches in {}: {}", dir, e.toString());
        }
        return deleted;
    }

    private static long modified(Path file) {
        try {
            return Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            return 0; // gone meanwhile: first to go, which deletes nothing
        }
    }

    private static void train(List<String> command, Path dir, Path cache) {
        prune(dir, MAX_CACHES - 1, System.currentTimeMillis()); // room for the one trained now
        Path partial = dir.resolve(cache.getFileName() + "." + ProcessHandle.current().pid() + "." + System.nanoTime() + ".tmp");
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            // at the lowest CPU priority: the training run takes seconds of CPU, which the
            // children it is made for would otherwise lose (a first Pool(2) took 1.3 s beside it)
            List<String> training = new ArrayList<>(List.of(SHELL, "-c",
                    "{ if command -v nice >/dev/null 2>&1; then nice -n 19 \"$@\"; else \"$@\"; fi; }"
                            + " && mv -f \"$AOT_PARTIAL\" \"$AOT_CACHE\"", "aot"));
            int afterJava = training.size() + 1; // the shell's words, then java, then its options
            training.addAll(command);
            training.addAll(afterJava, QUIET);
            training.add(afterJava, "-XX:AOTCacheOutput=" + partial);
            training.add(afterJava, "-D" + TRAINING_PROPERTY + "=true");
            ProcessBuilder pb = new ProcessBuilder(training).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("AOT_PARTIAL", partial.toString());
            pb.environment().put("AOT_CACHE", cache.toString());
            Process p = pb.start();
            p.getOutputStream().close();
            if (!p.waitFor(TRAINING_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.toHandle().destroyForcibly();
                LOG.debug("AOT training of {} did not end in {} s", cache, TRAINING_TIMEOUT_SECONDS);
            } else {
                LOG.debug("AOT training of {} exited with {}", cache, p.exitValue());
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot make the AOT cache {}: {}", cache, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
