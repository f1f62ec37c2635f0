package dev.multiproc.spi.auth;

import dev.multiproc.AuthenticationException;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The messages of Python's {@code multiprocessing.connection} authentication, which every socket
 * of the library speaks: a challenger sends a random challenge, the responder answers with an
 * HMAC of it under the shared authkey, the challenger says WELCOME or FAILURE. No I/O here
 * ({@link HandshakeSteps} orders the messages).
 * <pre>
 *  challenger -&gt; "#CHALLENGE#" "{sha256}" R            R = 40 random bytes            (59 bytes)
 *  responder  -&gt; "{sha256}" HMAC-SHA256(key, "{sha256}" R)                          (40 bytes)
 *  challenger -&gt; "#WELCOME#" or "#FAILURE#"                                         (9 bytes)
 * </pre>
 * As a responder it follows Python 3.12+'s rules, so Python 3.11 (20 random bytes, raw HMAC-MD5)
 * and later peers are answered alike; as a challenger it always sends the modern challenge and
 * accepts a raw MD5 answer (what 3.11 sends) or any allowed digest prefix. MACs are compared in
 * constant time. An empty key is used as one zero byte, which HMAC treats the same.
 */
public final class Handshake {
    /** The longest handshake message accepted (Python's limit too). */
    public static final int MAX_MESSAGE_BYTES = 256;
    /** The challenger's answer to a good response. */
    public static final byte[] WELCOME = ascii("#WELCOME#");
    /** The challenger's answer to a wrong response; it then closes the connection. */
    public static final byte[] FAILURE = ascii("#FAILURE#");
    private static final byte[] CHALLENGE = ascii("#CHALLENGE#");
    private static final String DIGEST = "sha256";
    private static final int NONCE_BYTES = 40;
    /** A challenge body of this length is Python 3.11's: answered with a raw HMAC-MD5. */
    private static final int LEGACY_NONCE_BYTES = 20;
    private static final int MD5_BYTES = 16;
    private static final Map<String, String> DIGESTS = Map.of(
            "md5", "HmacMD5", "sha256", "HmacSHA256", "sha384", "HmacSHA384",
            "sha3_256", "HmacSHA3-256", "sha3_384", "HmacSHA3-384");

    private Handshake() {
    }

    /** @return a fresh challenge: {@code #CHALLENGE#{sha256}} and 40 random bytes */
    public static byte[] challenge() {
        byte[] prefix = ascii("{" + DIGEST + "}");
        byte[] nonce = new byte[NONCE_BYTES];
        KernelRandom.fill(nonce);
        return concat(CHALLENGE, prefix, nonce);
    }

    /**
     * @param key       the shared authkey
     * @param challenge the challenge message received
     * @return the response to send
     * @throws AuthenticationException if the message is not a challenge, or asks for a digest
     *                                 that is not allowed; the message says which
     */
    public static byte[] answer(byte[] key, byte[] challenge) {
        if (!startsWith(challenge, CHALLENGE)) {
            throw new AuthenticationException("Protocol error, expected challenge: " + preview(challenge));
        }
        byte[] body = Arrays.copyOfRange(challenge, CHALLENGE.length, challenge.length);
        if (body.length < LEGACY_NONCE_BYTES) {
            throw new AuthenticationException("challenge too short: " + body.length + " bytes, at least "
                    + LEGACY_NONCE_BYTES + " expected");
        }
        if (body.length == LEGACY_NONCE_BYTES) {
            return hmac("md5", key, body);
        }
        String digest = digestPrefix(body);
        if (digest == null) {
            throw new AuthenticationException("unsupported challenge: no allowed {digest} prefix in " + preview(body));
        }
        return concat(ascii("{" + digest + "}"), hmac(digest, key, body));
    }

    /**
     * @param key       the shared authkey
     * @param challenge the challenge this side sent
     * @param response  the peer's response
     * @return whether the response proves the peer holds the key
     */
    public static boolean verify(byte[] key, byte[] challenge, byte[] response) {
        byte[] body = Arrays.copyOfRange(challenge, CHALLENGE.length, challenge.length);
        String digest;
        byte[] mac;
        if (response.length == MD5_BYTES || response.length == LEGACY_NONCE_BYTES) {
            digest = "md5";
            mac = response;
        } else {
            digest = digestPrefix(response);
            if (digest == null) {
                return false;
            }
            mac = Arrays.copyOfRange(response, digest.length() + 2, response.length);
        }
        return MessageDigest.isEqual(hmac(digest, key, body), mac);
    }

    /** @return the digest name of a {@code {name}} prefix, if it is an allowed one, else null */
    private static String digestPrefix(byte[] message) {
        if (message.length < 3 || message[0] != '{') {
            return null;
        }
        for (int end = 2; end <= Math.min(10, message.length - 1); end++) {
            if (message[end] == '}') {
                String name = new String(message, 1, end - 1, StandardCharsets.US_ASCII);
                return DIGESTS.containsKey(name) ? name : null;
            }
        }
        return null;
    }

    /** SHA-256, the digest of every challenge this side makes, is ours; others come from the JDK. */
    private static byte[] hmac(String digest, byte[] key, byte[] data) {
        if (digest.equals(DIGEST)) {
            return Sha256.hmac(key, data);
        }
        try {
            String algorithm = DIGESTS.get(digest);
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, algorithm));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new AuthenticationException("HMAC-" + digest + " is not available in this JVM: " + e);
        }
    }

    static boolean startsWith(byte[] message, byte[] prefix) {
        return message.length >= prefix.length && Arrays.equals(message, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** @return the first bytes of a message, for an error message, without echoing much of it */
    static String preview(byte[] message) {
        int n = Math.min(message.length, 20);
        return message.length + " bytes starting " + HexFormat.of().formatHex(message, 0, n);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
