package dev.multiproc.launcher.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The AOT cache directory stays bounded: every changed jar makes a new cache of tens of MB. */
class AotCachePruneTest {
    private static final long NOW = 1_800_000_000_000L;

    @Test
    void keepsTheMostRecentlyUsedCachesAndDropsPartialsOfDeadTrainings(@TempDir Path dir) throws IOException {
        for (int i = 0; i < 12; i++) {
            file(dir, "cache" + i + ".aot", NOW - (12 - i) * 60_000L); // cache11 used last
        }
        file(dir, "cache0.aot.123.456.tmp", NOW - AotCache.STALE_PARTIAL_MILLIS - 1); // a training that died
        file(dir, "cache1.aot.789.012.tmp", NOW - 1_000); // a training still running
        file(dir, "unrelated.txt", NOW - 100 * 60_000L);

        assertThat(AotCache.prune(dir, 4, NOW)).isEqualTo(9);

        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                    "cache8.aot", "cache9.aot", "cache10.aot", "cache11.aot", "cache1.aot.789.012.tmp", "unrelated.txt");
        }
    }

    @Test
    void aMissingDirectoryDeletesNothing(@TempDir Path dir) {
        assertThat(AotCache.prune(dir.resolve("absent"), 4, NOW)).isZero();
    }

    private static void file(Path dir, String name, long modifiedMillis) throws IOException {
        Path f = Files.writeString(dir.resolve(name), name);
        Files.setLastModifiedTime(f, FileTime.fromMillis(modifiedMillis));
    }
}
