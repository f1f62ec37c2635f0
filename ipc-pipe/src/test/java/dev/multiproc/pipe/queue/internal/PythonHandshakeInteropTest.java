package dev.multiproc.pipe.queue.internal;

import dev.multiproc.Context;
import dev.multiproc.IpcQueue;
import dev.multiproc.Multiproc;
import dev.multiproc.spi.ProcessIdentity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real CPython {@code multiprocessing.connection.Client} against a queue broker's socket: our
 * handshake is Python's, in both directions (3.11 answers with legacy HMAC-MD5, 3.12 and 3.13 with
 * the digest the challenge names), and a wrong authkey fails there with Python's own
 * {@code AuthenticationError}.
 */
class PythonHandshakeInteropTest {
    private static final String CLIENT = """
            import sys
            from multiprocessing.connection import Client
            c = Client(sys.argv[1], family='AF_UNIX', authkey=bytes.fromhex(sys.argv[2]))
            print('authenticated')
            c.close()
            """;
    private Context ctx;

    @BeforeEach
    void open() {
        ctx = Multiproc.context("pipe");
    }

    @AfterEach
    void close() {
        ctx.close();
    }

    private static String interpreter(String version) {
        if (version.equals("3.11")) {
            return "python3";
        }
        Path p = Path.of(System.getProperty("user.home"), ".pyenv", "versions", version, "bin", "python3");
        assertThat(p).as("CPython %s, which this test runs", version).isExecutable();
        return p.toString();
    }

    private static String address(IpcQueue<?> queue) {
        return QueueBrokerClientTest.queueDescriptorOf(queue).address();
    }

    private record Run(int exit, String out) {
    }

    private static Run python(String version, String address, byte[] key) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(interpreter(version), "-c", CLIENT, address, HexFormat.of().formatHex(key))
                .redirectErrorStream(true).start();
        try {
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("python finished").isTrue();
            return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"3.11", "3.12.1", "3.13.0"})
    void pythonsClientAuthenticatesWithTheKeyAndIsRefusedWithout(String version) throws Exception {
        IpcQueue<Object> q = ctx.queue(0);
        String address = address(q);
        assertThat(Files.exists(Path.of(address))).isTrue();

        Run right = python(version, address, ProcessIdentity.authkey());
        assertThat(right.out()).as("python %s output", version).contains("authenticated");
        assertThat(right.exit()).isZero();

        Run wrong = python(version, address, new byte[32]);
        assertThat(wrong.out()).as("python %s output", version).contains("AuthenticationError");
        assertThat(wrong.exit()).isNotZero();

        q.put("still serving");
        assertThat(q.take()).isEqualTo("still serving");
    }
}
