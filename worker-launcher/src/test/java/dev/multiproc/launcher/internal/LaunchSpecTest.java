package dev.multiproc.launcher.internal;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LaunchSpecTest {
    @Test
    void keepsEveryOptionButAgentsRecordingsArchivesFileLogsAndPaths() {
        List<String> input = List.of("-Xmx1g", "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-exports",
                "java.base/sun.nio.ch=ALL-UNNAMED", "-Dmultiproc.maxFrameBytes=99", "-Duser.language=en",
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Dchronicle.analytics.disable=true", "-javaagent:/x.jar", "-Djava.library.path=/opt/lib",
                "-agentlib:jdwp=transport=dt_socket,server=y,address=5005", "-XX:StartFlightRecording=filename=a.jfr",
                "-XX:AOTCacheOutput=app.aot", "-XX:AOTCache=app.aot", "-Xlog:gc:file=gc.log", "-Xlog:gc",
                "-XX:+UseSerialGC", "-Duser.timezone=Asia/Tokyo", "-cp", "/app.jar", "-Dmultiproc.spare=true");
        assertThat(LaunchSpec.inheritedOptions(input)).containsExactly(
                "-Xmx1g", "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED",
                "-Dmultiproc.maxFrameBytes=99", "-Duser.language=en", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-Dchronicle.analytics.disable=true",
                "-Djava.library.path=/opt/lib", "-Xlog:gc", "-XX:+UseSerialGC", "-Duser.timezone=Asia/Tokyo");
    }

    @Test
    void commandRunsThisJavaWithTheClassPathAndExtraOptions() {
        LaunchSpec spec = LaunchSpec.inherited().withJvmOptions(List.of("-Xmx64m", "-Dx=1"));
        List<String> command = spec.command(LaunchSpecTest.class, List.of());

        assertThat(Files.isExecutable(Path.of(command.getFirst()))).isTrue();
        assertThat(command).endsWith("-cp", String.join(File.pathSeparator, spec.classPath()), LaunchSpecTest.class.getName());
        assertThat(command).containsSubsequence("-Xmx64m", "-Dx=1", "-cp");
        assertThat(spec.classPath()).isNotEmpty();
        // This test runs under Surefire, whose java.class.path is a manifest-only jar: it is expanded.
        assertThat(spec.classPath()).anyMatch(e -> e.endsWith("test-classes") || e.endsWith("test-classes/"));
    }

    @Test
    void moduleOptionsAreKeptButTheModulePathAndMainModuleAreNot() {
        List<String> input = List.of("--module-path=/app/mods", "-Djdk.module.main=app", "-p", "/other/mods", "--limit-modules=app,java.sql",
                "--patch-module", "app=/tmp/patch", "--upgrade-module-path=/up", "--add-modules=java.sql");
        assertThat(LaunchSpec.inheritedOptions(input)).containsExactly(
                "--limit-modules=app,java.sql", "--patch-module", "app=/tmp/patch", "--upgrade-module-path=/up",
                "--add-modules=java.sql");
    }

    @Test
    void childrenGetTheFlagsThatKeepThemQuietUnlessThisJvmChoseOtherwise() {
        assertThat(LaunchSpec.quietDefaults(List.of(), false)).containsExactly("--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-Dslf4j.internal.verbosity=ERROR");
        assertThat(LaunchSpec.quietDefaults(List.of("--enable-native-access=app", "--sun-misc-unsafe-memory-access=warn",
                "-Dslf4j.internal.verbosity=DEBUG"), false)).isEmpty();
        assertThat(LaunchSpec.inheritedOptions(List.of("-Dslf4j.internal.verbosity=DEBUG")))
                .containsExactly("-Dslf4j.internal.verbosity=DEBUG");
    }

    @Test
    void blankOptionsAreRejectedWithTheValue() {
        assertThatThrownBy(() -> LaunchSpec.inherited().withJvmOptions(List.of("-Xmx1m", " ")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("' '");
    }
}
