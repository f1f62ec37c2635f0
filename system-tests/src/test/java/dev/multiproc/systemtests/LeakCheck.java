package dev.multiproc.systemtests;

import dev.multiproc.spi.ContextSettings;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Fails a test class that leaves anything behind: child processes of this JVM, files named
 * {@code multiproc-*} in the shared-memory or socket directory, or non-daemon threads. Leftovers
 * are given a few seconds to go (a child may be exiting), then reported and cleaned up.
 */
public final class LeakCheck implements BeforeAllCallback, AfterAllCallback {
    private static final Duration GRACE = Duration.ofSeconds(10);
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LeakCheck.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(NS);
        store.put("files", ourFiles());
        store.put("threads", nonDaemonThreads());
    }

    @Override
    @SuppressWarnings("unchecked")
    public void afterAll(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(NS);
        Set<Path> filesBefore = store.get("files", Set.class);
        Set<Thread> threadsBefore = store.get("threads", Set.class);
        AtomicReference<List<String>> leaks = new AtomicReference<>(List.of());
        try {
            Awaitility.await().pollInSameThread().atMost(GRACE).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20))
                    .until(() -> {
                        leaks.set(findLeaks(filesBefore, threadsBefore));
                        return leaks.get().isEmpty();
                    });
            return;
        } catch (ConditionTimeoutException stillThere) {
            ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
        }
        throw new AssertionError(context.getDisplayName() + " leaked: " + String.join("; ", leaks.get()));
    }

    private static List<String> findLeaks(Set<Path> filesBefore, Set<Thread> threadsBefore) {
        List<String> leaks = new ArrayList<>();
        List<ProcessHandle> children = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList();
        if (!children.isEmpty()) {
            leaks.add("child processes " + children.stream()
                    .map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList());
        }
        Set<Path> files = ourFiles();
        files.removeAll(filesBefore);
        if (!files.isEmpty()) {
            leaks.add("files " + files);
        }
        Set<Thread> threads = nonDaemonThreads();
        threads.removeAll(threadsBefore);
        if (!threads.isEmpty()) {
            leaks.add("non-daemon threads " + threads.stream().map(Thread::getName).toList());
        }
        return leaks;
    }

    /** @return files named {@code multiproc-*} in the shm and socket directories */
    static Set<Path> ourFiles() {
        Set<Path> found = new HashSet<>();
        for (Path dir : List.of(ContextSettings.process().shmDirectory(), ContextSettings.process().socketDirectory())) {
            try (Stream<Path> files = Files.list(dir)) {
                found.addAll(files.filter(f -> f.getFileName().toString().startsWith(ContextSettings.FILE_PREFIX))
                        .collect(Collectors.toSet()));
            } catch (IOException e) {
                // directory missing: nothing of ours there
            }
        }
        return found;
    }

    private static Set<Thread> nonDaemonThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !t.isDaemon() && t.isAlive() && t.getThreadGroup() != null
                        && !"main".equals(t.getName())
                        && !t.getName().startsWith("junit-")) // JUnit's own, e.g. junit-jupiter-timeout-watcher of @Timeout
                .collect(Collectors.toSet());
    }
}
