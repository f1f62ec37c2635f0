package dev.multiproc.shm.internal;

import dev.multiproc.spi.process.ProcessLiveness;
import dev.multiproc.IpcException;
import dev.multiproc.ResourceExistsException;
import dev.multiproc.ResourceNotFoundException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(30)
class SegmentTest {
    @TempDir
    Path dir;

    @Test
    void headerDescribesTheOwnerAndASecondMappingSeesTheSameBytes() {
        Path path = dir.resolve("multiproc-test-a");
        try (Segment owner = Segment.create(path, SegmentDescriptor.KIND_MEMORY, 100);
             Segment second = Segment.attach(path, SegmentDescriptor.KIND_MEMORY)) {
            assertThat(SegmentDescriptor.magic(owner.memory())).isEqualTo(SegmentDescriptor.MAGIC);
            assertThat(SegmentDescriptor.version(owner.memory())).isEqualTo(SegmentDescriptor.LAYOUT_VERSION);
            assertThat(SegmentDescriptor.ownerPid(owner.memory())).isEqualTo(ProcessHandle.current().pid());
            assertThat(SegmentDescriptor.ownerStart(owner.memory())).isEqualTo(ProcessLiveness.selfStart());
            assertThat(SegmentDescriptor.creationTime(owner.memory())).isCloseTo(System.currentTimeMillis(),
                    org.assertj.core.data.Offset.offset(60_000L));
            assertThat(second.body().byteSize()).isEqualTo(100);
            assertThat(second.isOwner()).isFalse();
            owner.body().set(ValueLayout.JAVA_LONG, 8, 0x1234_5678_9ABCL);
            assertThat(second.body().get(ValueLayout.JAVA_LONG, 8)).isEqualTo(0x1234_5678_9ABCL);
        }
        assertThat(path).doesNotExist();
    }

    @Test
    void closingAnAttachedMappingNeverUnlinks() {
        Path path = dir.resolve("multiproc-test-b");
        try (Segment owner = Segment.create(path, SegmentDescriptor.KIND_EVENT, 64)) {
            Segment.attach(path, SegmentDescriptor.KIND_EVENT).close();
            assertThat(path).exists();
            assertThat(owner.isOwner()).isTrue();
        }
        assertThat(path).doesNotExist();
    }

    @Test
    void creatingAnExistingNameFails() {
        Path path = dir.resolve("multiproc-test-c");
        try (Segment ignored = Segment.create(path, SegmentDescriptor.KIND_MEMORY, 10)) {
            assertThatThrownBy(() -> Segment.create(path, SegmentDescriptor.KIND_MEMORY, 10))
                    .isInstanceOf(ResourceExistsException.class).hasMessageContaining(path.toString());
        }
    }

    @Test
    void attachingAMissingFileFails() {
        Path path = dir.resolve("multiproc-missing");
        assertThatThrownBy(() -> Segment.attach(path, -1))
                .isInstanceOf(ResourceNotFoundException.class).hasMessageContaining(path.toString());
    }

    @Test
    void attachChecksMagicVersionKindAndLength() throws IOException {
        Path foreign = dir.resolve("multiproc-foreign");
        Files.write(foreign, new byte[4096]);
        assertThatThrownBy(() -> Segment.attach(foreign, -1)).isInstanceOf(IpcException.class)
                .hasMessageContaining("magic 0x0 is not 0x4d50534d");

        Path tiny = dir.resolve("multiproc-tiny");
        Files.write(tiny, new byte[10]);
        assertThatThrownBy(() -> Segment.attach(tiny, -1)).hasMessageContaining("10 bytes is shorter than the 64-byte");

        Path path = dir.resolve("multiproc-versioned");
        try (Segment owner = Segment.create(path, SegmentDescriptor.KIND_LOCK, 1024)) {
            assertThatThrownBy(() -> Segment.attach(path, SegmentDescriptor.KIND_EVENT))
                    .hasMessageContaining("as a event: it holds a lock");
            owner.memory().set(ValueLayout.JAVA_INT, SegmentDescriptor.VERSION_OFFSET, 99);
            assertThatThrownBy(() -> Segment.attach(path, SegmentDescriptor.KIND_LOCK))
                    .isInstanceOf(IpcException.class)
                    .hasMessageContaining("layout version 99 differs from this library's version " + SegmentDescriptor.LAYOUT_VERSION);
        }
    }

    @Test
    void closeIsIdempotentAndUnmaps() {
        Segment s = Segment.create(dir.resolve("multiproc-test-d"), SegmentDescriptor.KIND_MEMORY, 8);
        s.close();
        s.close();
        assertThat(s.isClosed()).isTrue();
        assertThatThrownBy(() -> s.body().get(ValueLayout.JAVA_LONG, 0)).isInstanceOf(IllegalStateException.class);
    }
}
