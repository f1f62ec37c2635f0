package dev.multiproc.shm.internal;

import dev.multiproc.spi.process.OwnedFiles;
import dev.multiproc.spi.process.ProcessLiveness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(30)
class SegmentSweeperTest {
    @TempDir
    Path dir;

    /** @return the pid of a process that has exited and been reaped */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }

    private Path segmentOwnedBy(String name, long pid, long stamp) {
        Path path = dir.resolve(name);
        Segment s = Segment.create(path, SegmentDescriptor.KIND_INT, 64);
        s.memory().set(ValueLayout.JAVA_LONG, SegmentDescriptor.OWNER_PID_OFFSET, pid);
        s.memory().set(ValueLayout.JAVA_LONG, SegmentDescriptor.OWNER_START_OFFSET, stamp);
        // unmap without unlinking, as a killed owner would leave it
        Segment.attach(path, -1).close();
        return path;
    }

    @Test
    void removesSegmentsOfDeadOwnersOnly() throws Exception {
        long dead = deadPid();
        Path orphan = segmentOwnedBy("multiproc-orphan", dead, 0);
        Path mine = dir.resolve("multiproc-mine");
        try (Segment live = Segment.create(mine, SegmentDescriptor.KIND_INT, 64)) {
            assertThat(SegmentSweeper.sweep(dir)).isEqualTo(1);
            assertThat(orphan).doesNotExist();
            assertThat(live.path()).exists();
        }
    }

    @Test
    void aReusedPidIsToldApartByItsStartStamp() {
        Path reused = segmentOwnedBy("multiproc-reused", ProcessHandle.current().pid(), ProcessLiveness.selfStart() + 1);
        Path same = segmentOwnedBy("multiproc-same", ProcessHandle.current().pid(), ProcessLiveness.selfStart());
        SegmentSweeper.sweep(dir);
        assertThat(reused).doesNotExist();
        assertThat(same).exists();
    }

    @Test
    void leavesForeignAndUnfinishedFilesOfLiveProcessesAlone() throws Exception {
        Path foreign = Files.write(dir.resolve("multiproc-ring"), new byte[128]);
        Path other = Files.write(dir.resolve("notours"), new byte[128]);
        Path unfinishedLive = Files.write(dir.resolve(OwnedFiles.newName(Segments.KIND, "")), new byte[0]);
        Path unfinishedDead = Files.write(dir.resolve(Segments.GENERATED_PREFIX + deadPid() + "-0-1-ab"), new byte[0]);
        assertThat(SegmentSweeper.sweep(dir)).isEqualTo(1);
        assertThat(foreign).exists();
        assertThat(other).exists();
        assertThat(unfinishedLive).exists();
        assertThat(unfinishedDead).doesNotExist();
    }

    @Test
    void parsesThePidOfGeneratedNames() {
        assertThat(OwnedFiles.ownerOf("multiproc-shm-4242-99-7-beef")).map(OwnedFiles.Owner::pid).hasValue(4242L);
        assertThat(OwnedFiles.ownerOf("multiproc-shm-4242-99-7-beef")).map(OwnedFiles.Owner::start).hasValue(99L);
        assertThat(OwnedFiles.ownerOf("multiproc-user-block")).isEmpty();
        assertThat(OwnedFiles.ownerOf("multiproc-shm-x-7")).isEmpty();
    }

    @Test
    void livenessChecksPidAndStamp() throws Exception {
        assertThat(ProcessLiveness.isAlive(ProcessHandle.current().pid(), ProcessLiveness.selfStart())).isTrue();
        assertThat(ProcessLiveness.isAlive(ProcessHandle.current().pid(), 0)).isTrue();
        assertThat(ProcessLiveness.isAlive(deadPid(), 0)).isFalse();
        assertThat(ProcessLiveness.isAlive(0, 0)).isFalse();
        long parent = ProcessHandle.current().parent().orElseThrow().pid();
        assertThat(ProcessLiveness.isAlive(parent, ProcessLiveness.stampOf(parent))).isTrue();
        assertThat(ProcessLiveness.isAlive(parent, ProcessLiveness.stampOf(parent) + 7)).isFalse();
    }

    @Test
    void aMissingDirectoryIsNothingToSweep() throws IOException {
        assertThat(SegmentSweeper.sweep(dir.resolve("none"))).isZero();
    }
}
