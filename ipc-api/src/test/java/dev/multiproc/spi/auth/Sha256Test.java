package dev.multiproc.spi.auth;

import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Our SHA-256 and HMAC-SHA256 against the JDK's, on every length around the block boundaries. */
class Sha256Test {
    @Test
    void theDigestOfAbcIsTheStandardsExample() {
        assertThat(HexFormat.of().formatHex(Sha256.digest("abc".getBytes(StandardCharsets.US_ASCII))))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void digestsAndHmacsAgreeWithTheJdkForEveryLengthUpTo300Bytes() throws Exception {
        Random random = new Random(20261207);
        MessageDigest jdk = MessageDigest.getInstance("SHA-256");
        Mac mac = Mac.getInstance("HmacSHA256");
        for (int length = 0; length <= 300; length++) {
            byte[] data = new byte[length];
            random.nextBytes(data);
            assertThat(Sha256.digest(data)).as("digest of %d bytes", length).isEqualTo(jdk.digest(data));
            byte[] key = new byte[1 + random.nextInt(150)]; // keys over the 64-byte block are hashed first
            random.nextBytes(key);
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            assertThat(Sha256.hmac(key, data)).as("HMAC of %d bytes, %d-byte key", length, key.length)
                    .isEqualTo(mac.doFinal(data));
        }
    }

    @Test
    void aDigestOfSeveralPartsIsTheDigestOfTheirConcatenation() throws Exception {
        byte[] whole = "#CHALLENGE#{sha256}and forty bytes of nonce".getBytes(StandardCharsets.US_ASCII);
        assertThat(Sha256.digest(Arrays.copyOf(whole, 11), Arrays.copyOfRange(whole, 11, whole.length)))
                .isEqualTo(MessageDigest.getInstance("SHA-256").digest(whole));
    }

    @Test
    void kernelRandomBytesDiffer() {
        assertThat(KernelRandom.bytes(32)).isNotEqualTo(KernelRandom.bytes(32)).hasSize(32);
    }

    @Test
    void anInterruptedReaderDoesNotBreakItForOthers() {
        Thread.currentThread().interrupt();
        try {
            assertThat(KernelRandom.bytes(16)).hasSize(16);
        } finally {
            Thread.interrupted();
        }
        assertThat(KernelRandom.bytes(16)).hasSize(16);
    }
}
