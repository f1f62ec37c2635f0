package dev.multiproc.pipe.internal;

import com.google.protobuf.ByteString;
import dev.multiproc.ConnectionClosedException;
import dev.multiproc.Serializer;
import dev.multiproc.spi.channel.ChannelConnection;
import dev.multiproc.wire.HandleDescriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The fd sharer's protocol, exercised within one process: a descriptor whose process id is not
 * ours makes {@link FdSharer#resolve} take the end through the sharer's socket with SCM_RIGHTS,
 * exactly as another process would.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FdSharerTest {
    private ChannelConnection left;
    private ChannelConnection right;
    private ChannelConnection taken;

    @BeforeEach
    void open() {
        ChannelConnection[] pair = PipeEnds.pair(true, 1 << 20, Serializer.standard(), end -> {
        });
        left = pair[0];
        right = pair[1];
    }

    @AfterEach
    void close() {
        left.close();
        right.close();
        if (taken != null) {
            taken.close();
        }
    }

    /** The descriptor another process would read: same sharer, token and end, another process id. */
    private static HandleDescriptor asIfFromElsewhere(HandleDescriptor d) {
        return d.toBuilder().putAttributes(FdSharer.ATTR_PROCESS, "another-process").build();
    }

    @Test
    void anUnusedEndMovesWithItsDescriptorAndTheOldCopyRefusesUse() {
        HandleDescriptor d = FdSharer.instance().export(right, right.describe(HandleDescriptor.newBuilder()));
        taken = FdSharer.instance().resolve(asIfFromElsewhere(d));
        assertThat(taken).isNotSameAs(right);
        long self = ProcessHandle.current().pid();
        assertThatThrownBy(() -> right.send("x")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("right end of pipe").hasMessageContaining("moved to process " + self);
        assertThat(right.isClosed()).isTrue();
        left.send("to the new owner");
        assertThat((String) taken.recv()).isEqualTo("to the new owner");
        taken.send("back");
        assertThat((String) left.recv()).isEqualTo("back");
        taken.close();
        assertThatThrownBy(left::recv).isInstanceOf(ConnectionClosedException.class);
    }

    @Test
    void anEndUsedHereIsRefusedNamingTheProcessThatUsedIt() {
        HandleDescriptor d = FdSharer.instance().export(right, right.describe(HandleDescriptor.newBuilder()));
        right.send("used");
        assertThatThrownBy(() -> FdSharer.instance().resolve(asIfFromElsewhere(d)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already used in process " + ProcessHandle.current().pid());
        right.send("still works");
        assertThat((String) left.recv()).isEqualTo("used");
        assertThat((String) left.recv()).isEqualTo("still works");
    }

    @Test
    void aWrongTokenIsRefused() {
        HandleDescriptor d = FdSharer.instance().export(right, right.describe(HandleDescriptor.newBuilder()));
        HandleDescriptor forged = asIfFromElsewhere(d).toBuilder().setPayload(ByteString.copyFrom(new byte[16])).build();
        assertThatThrownBy(() -> FdSharer.instance().resolve(forged))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("wrong token");
        assertThat(right.isClosed()).isFalse();
        assertThat(right.poll(Duration.ZERO)).isFalse();
    }

    @Test
    void anEndClosedBeforeItIsTakenIsRefused() {
        HandleDescriptor d = FdSharer.instance().export(right, right.describe(HandleDescriptor.newBuilder()));
        right.close();
        assertThatThrownBy(() -> FdSharer.instance().resolve(asIfFromElsewhere(d)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot take right end of pipe");
    }

    @Test
    void aSharerThatIsGoneSaysSo() {
        HandleDescriptor d = asIfFromElsewhere(FdSharer.instance().export(right, right.describe(HandleDescriptor.newBuilder()))).toBuilder()
                .putAttributes(FdSharer.ATTR_SHARER, "multiproc-fds-nobody-listens-here").build();
        assertThatThrownBy(() -> FdSharer.instance().resolve(d))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("nothing answers")
                .hasMessageContaining("multiproc-fds-nobody-listens-here");
    }
}
