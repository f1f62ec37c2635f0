package dev.multiproc.spi.process;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class OwnedFilesTest {
    @TempDir
    Path dir;

    /** @return a pid that no process has now */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }

    @Test
    void namesCarryTheOwnerAndAreUnique() {
        String a = OwnedFiles.newName("queue", ".sock");
        String b = OwnedFiles.newName("queue", ".sock");
        assertThat(a).isNotEqualTo(b).startsWith("multiproc-queue-" + ProcessLiveness.selfPid() + "-").endsWith(".sock");
        assertThat(OwnedFiles.ownerOf(a)).hasValueSatisfying(o -> {
            assertThat(o.kind()).isEqualTo("queue");
            assertThat(o.pid()).isEqualTo(ProcessLiveness.selfPid());
            assertThat(o.start()).isEqualTo(ProcessLiveness.selfStart());
            assertThat(o.isAlive()).isTrue();
        });
    }

    @Test
    void removeOwnRemovesThisProcesssFilesOfEveryKindAndNoOthers() throws Exception {
        Path segment = Files.createFile(dir.resolve(OwnedFiles.newName("shm", "")));
        Path socket = Files.createFile(dir.resolve(OwnedFiles.newName("ctl", ".sock")));
        Path otherStart = Files.createFile(dir.resolve("multiproc-shm-" + ProcessLiveness.selfPid() + "-"
                + (ProcessLiveness.selfStart() + 1) + "-1-abcd"));
        Path otherProcess = Files.createFile(dir.resolve("multiproc-shm-" + deadPid() + "-0-1-abcd"));
        assertThat(OwnedFiles.removeOwn(dir)).isEqualTo(2);
        assertThat(segment).doesNotExist();
        assertThat(socket).doesNotExist();
        assertThat(otherStart).exists();
        assertThat(otherProcess).exists();
    }

    @Test
    void theSweepRemovesFilesOfDeadOwnersAndOfReusedPidsOnly() throws Exception {
        Path mine = Files.createFile(dir.resolve(OwnedFiles.newName("ctl", ".sock")));
        Path dead = Files.createFile(dir.resolve("multiproc-ctl-" + deadPid() + "-0-1-abcd.sock"));
        // this process's pid, but another start stamp: a process that had the pid before
        Path reused = Files.createFile(dir.resolve("multiproc-ctl-" + ProcessLiveness.selfPid() + "-"
                + (ProcessLiveness.selfStart() + 1) + "-1-abcd.sock"));
        Path otherKind = Files.createFile(dir.resolve("multiproc-queue-" + deadPid() + "-0-1-abcd.sock"));
        Path foreign = Files.createFile(dir.resolve("multiproc-ctl-user-file"));
        assertThat(OwnedFiles.sweep(dir, "ctl")).isEqualTo(2);
        assertThat(mine).exists();
        assertThat(dead).doesNotExist();
        assertThat(reused).doesNotExist();
        assertThat(otherKind).exists();
        assertThat(foreign).exists();
        assertThat(OwnedFiles.sweep(dir.resolve("missing"), "ctl")).isZero();
    }
}
