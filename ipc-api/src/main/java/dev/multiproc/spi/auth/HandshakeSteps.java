package dev.multiproc.spi.auth;

import dev.multiproc.AuthenticationException;

import java.util.Arrays;
import java.util.List;

/**
 * The order of a mutual {@link Handshake}, for one side, as Python runs it: the server challenges
 * first ({@code deliver_challenge}, then {@code answer_challenge}); after its WELCOME the client
 * challenges the server. Six frames in all. Fed the frames that arrive, it says what to send, so
 * a selector-driven server and a blocking client use the same steps ({@link #run} drives them over
 * a blocking {@link FrameLink}).
 *
 * <pre>
 *  server                          client
 *   CHALLENGE(R1)  ----------->
 *                  <-----------    RESPONSE(R1)
 *   WELCOME        ----------->
 *                  <-----------    CHALLENGE(R2)
 *   RESPONSE(R2)   ----------->
 *                  <-----------    WELCOME          both authenticated
 * </pre>
 * A wrong response is answered with FAILURE; the side that sent it then fails with
 * {@link #failure()} and closes. Not thread-safe: one per connection.
 */
public final class HandshakeSteps {
    /** Which side of the connection this is. */
    public enum Role {
        /** Accepted the connection: challenges first. */
        SERVER,
        /** Connected: answers first. */
        CLIENT
    }

    /** How long a peer may take over the whole handshake, by default. */
    public static final long DEFAULT_TIMEOUT_NANOS = 5_000_000_000L;

    private enum Step { START, EXPECT_RESPONSE, EXPECT_CHALLENGE, EXPECT_WELCOME, DONE, FAILED }

    private final Role role;
    private final byte[] key;
    private final String peer;
    private Step step = Step.START;
    private byte[] challengeSent;
    private AuthenticationException failure;

    /**
     * @param role this side
     * @param key  the shared authkey (not copied; not changed)
     * @param peer who the other side is, for messages
     */
    public HandshakeSteps(Role role, byte[] key, String peer) {
        this.role = role;
        this.key = key;
        this.peer = peer;
    }

    /** @return the frames to send first: the server's challenge; nothing for the client */
    public List<byte[]> start() {
        if (step != Step.START) {
            throw new IllegalStateException("handshake with " + peer + " already started");
        }
        if (role == Role.SERVER) {
            challengeSent = Handshake.challenge();
            step = Step.EXPECT_RESPONSE;
            return List.of(challengeSent);
        }
        step = Step.EXPECT_CHALLENGE;
        return List.of();
    }

    /**
     * @param frame a frame received from the peer
     * @return the frames to send in answer (then check {@link #isDone()} and {@link #failure()})
     * @throws IllegalStateException if the handshake is over or not started
     */
    public List<byte[]> onFrame(byte[] frame) {
        return switch (step) {
            case EXPECT_RESPONSE -> {
                if (!Handshake.verify(key, challengeSent, frame)) {
                    yield fail(new AuthenticationException("digest received was wrong: " + peer
                            + " does not hold this process tree's authkey"), Handshake.FAILURE);
                }
                if (role == Role.SERVER) {
                    step = Step.EXPECT_CHALLENGE;
                } else {
                    step = Step.DONE;
                }
                yield List.of(Handshake.WELCOME);
            }
            case EXPECT_CHALLENGE -> {
                byte[] response;
                try {
                    response = Handshake.answer(key, frame);
                } catch (AuthenticationException e) {
                    yield fail(new AuthenticationException(peer + ": " + e.getMessage()));
                }
                step = Step.EXPECT_WELCOME;
                yield List.of(response);
            }
            case EXPECT_WELCOME -> {
                if (!Arrays.equals(frame, Handshake.WELCOME)) {
                    yield fail(new AuthenticationException("digest sent was rejected by " + peer
                            + (Arrays.equals(frame, Handshake.FAILURE) ? "" : " (answer " + Handshake.preview(frame) + ")")));
                }
                if (role == Role.SERVER) {
                    step = Step.DONE;
                    yield List.of();
                }
                challengeSent = Handshake.challenge();
                step = Step.EXPECT_RESPONSE;
                yield List.of(challengeSent);
            }
            case START, DONE, FAILED -> throw new IllegalStateException("handshake with " + peer + " is "
                    + step.name().toLowerCase() + ": no frame expected");
        };
    }

    private List<byte[]> fail(AuthenticationException why, byte[]... toSend) {
        step = Step.FAILED;
        failure = why;
        return List.of(toSend);
    }

    /** @return whether both sides are authenticated */
    public boolean isDone() {
        return step == Step.DONE;
    }

    /** @return why the handshake failed, or null */
    public AuthenticationException failure() {
        return failure;
    }

    /**
     * Runs the whole handshake over a blocking link.
     *
     * @param link     the connection's frames
     * @param timeoutNanos how long the peer may take in all
     * @throws AuthenticationException if the peer does not prove the key, or rejects ours, or is
     *                                 silent past the timeout
     * @throws java.io.IOException     if the connection fails
     */
    public void run(FrameLink link, long timeoutNanos) throws java.io.IOException {
        long deadline = System.nanoTime() + timeoutNanos;
        for (byte[] f : start()) {
            link.send(f);
        }
        while (!isDone()) {
            long left = deadline - System.nanoTime();
            byte[] in = left > 0 ? link.receive(Handshake.MAX_MESSAGE_BYTES, left) : null;
            if (in == null) {
                throw new AuthenticationException(peer + " did not complete the authentication handshake within "
                        + timeoutNanos / 1_000_000 + " ms");
            }
            for (byte[] f : onFrame(in)) {
                link.send(f);
            }
            if (failure != null) {
                throw failure;
            }
        }
    }
}
