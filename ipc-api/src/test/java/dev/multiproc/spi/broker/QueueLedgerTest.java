package dev.multiproc.spi.broker;

import org.junit.jupiter.api.Test;

import org.awaitility.Awaitility;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The broker's bookkeeping, frame by frame, without sockets. */
class QueueLedgerTest {
    /** Records what the ledger sends to one peer. */
    static final class Recorder implements PeerSink {
        final List<String> frames = new ArrayList<>();

        @Override
        public void item(byte kind, byte[] item) {
            frames.add("ITEM" + kind + ":" + new String(item));
        }

        @Override
        public void reply(long reqId, byte status, long value) {
            frames.add("REPLY" + reqId + ":" + status + ":" + value);
        }

        @Override
        public void recall() {
            frames.add("RECALL");
        }

        @Override
        public void revoke(int count) {
            frames.add("REVOKE" + count);
        }

        @Override
        public void error(long reqId, String message) {
            frames.add("ERROR" + reqId);
        }

        List<String> drain() {
            List<String> copy = List.copyOf(frames);
            frames.clear();
            return copy;
        }
    }

    /** The broker's selector wake-up, of which these tests need none: they call {@code tick()} themselves. */
    private static final Runnable NO_TIMED_WORK = () -> {
    };

    private static byte[] b(String s) {
        return s.getBytes();
    }

    @Test
    void demandIsServedInFifoOrderAndItemsStayCountedUntilAcknowledged() {
        QueueLedger l = new QueueLedger("q", 0, false, NO_TIMED_WORK);
        Recorder pr = new Recorder();
        Recorder cr = new Recorder();
        LedgerPeer producer = l.attach(pr);
        LedgerPeer consumer = l.attach(cr);
        l.put(producer, QueueFrames.PUT_ASYNC, 0, b("a"));
        l.put(producer, QueueFrames.PUT_ASYNC, 0, b("b"));
        l.demand(consumer, 1);
        assertThat(cr.drain()).containsExactly("ITEM0:a");
        assertThat(l.size()).isEqualTo(2);
        l.ack(consumer, 1);
        assertThat(l.size()).isEqualTo(1);
        l.demand(consumer, 1);
        assertThat(cr.drain()).containsExactly("ITEM0:b");
    }

    @Test
    void aDeadConsumersUnacknowledgedItemsGoBackToTheHeadInOrder() {
        QueueLedger l = new QueueLedger("q", 0, false, NO_TIMED_WORK);
        Recorder pr = new Recorder();
        LedgerPeer producer = l.attach(pr);
        LedgerPeer dying = l.attach(new Recorder());
        l.prefetch(dying, 2);
        for (String s : List.of("a", "b", "c")) {
            l.put(producer, QueueFrames.PUT_ASYNC, 0, b(s));
        }
        l.detach(dying);
        Recorder cr = new Recorder();
        LedgerPeer other = l.attach(cr);
        l.demand(other, 3);
        assertThat(cr.drain()).containsExactly("ITEM0:a", "ITEM0:b", "ITEM0:c");
    }

    @Test
    void consumersAreSentItemsAheadRoundRobinAndAStarvingOneGetsTheOthersParkedItems() {
        QueueLedger l = new QueueLedger("q", 0, false, NO_TIMED_WORK);
        LedgerPeer producer = l.attach(new Recorder());
        Recorder ar = new Recorder();
        Recorder br = new Recorder();
        Recorder cr = new Recorder();
        LedgerPeer a = l.attach(ar);
        LedgerPeer bp = l.attach(br);
        l.prefetch(a, 2);
        l.prefetch(bp, 2);
        for (String s : List.of("a", "b", "c", "d")) {
            l.put(producer, QueueFrames.PUT_ASYNC, 0, b(s));
        }
        assertThat(ar.drain()).containsExactly("ITEM1:a", "ITEM1:c");
        assertThat(br.drain()).containsExactly("ITEM1:b", "ITEM1:d");
        LedgerPeer c = l.attach(cr);
        l.demand(c, 1); // nothing ready: the items the others hold untaken come back to the head first
        assertThat(ar.drain()).containsExactly("RECALL");
        assertThat(br.drain()).containsExactly("RECALL");
        assertThat(cr.drain()).isEmpty();
        l.ack(a, 1);       // a's user took "a" before the recall arrived
        l.returned(a, 1);  // and gives back "c"
        l.returned(bp, 2); // b gives back "b" and "d"
        assertThat(cr.drain()).containsExactly("ITEM0:b");
        // then sent ahead again, oldest first, round-robin: each consumer still takes in put order
        assertThat(ar.drain()).containsExactly("ITEM1:c");
        assertThat(br.drain()).containsExactly("ITEM1:d");
        assertThat(l.size()).isEqualTo(3);
    }

    @Test
    void aConsumerIsNeverSentAnItemOlderThanOneItWasSentSoNoUselessRecall() {
        QueueLedger l = new QueueLedger("q", 0, false, NO_TIMED_WORK);
        LedgerPeer producer = l.attach(new Recorder());
        Recorder ar = new Recorder();
        Recorder cr = new Recorder();
        LedgerPeer a = l.attach(ar);
        LedgerPeer c = l.attach(cr);
        l.prefetch(a, 2);
        l.demand(c, 1);
        for (String s : List.of("a", "b", "c")) {
            l.put(producer, QueueFrames.PUT_ASYNC, 0, b(s));
        }
        assertThat(cr.drain()).containsExactly("ITEM0:a");
        assertThat(ar.drain()).containsExactly("ITEM1:b", "ITEM1:c");
        l.ack(c, 1);
        l.demand(c, 1); // a holds "b" and "c", newer than "a": worth a recall
        assertThat(ar.drain()).containsExactly("RECALL");
        l.returned(a, 2);
        assertThat(cr.drain()).containsExactly("ITEM0:b");
        assertThat(ar.drain()).containsExactly("ITEM1:c");
        l.ack(c, 1);
        l.put(producer, QueueFrames.PUT_ASYNC, 0, b("d"));
        assertThat(ar.drain()).containsExactly("ITEM1:d");
        l.demand(c, 1); // c took "b": a's "c" and "d" are newer, so they are recalled for c
        assertThat(ar.drain()).containsExactly("RECALL");
        l.ack(a, 1);      // a took "c" meanwhile
        l.returned(a, 1); // and gives back "d"
        assertThat(cr.drain()).containsExactly("ITEM0:d");
        l.ack(c, 1);
        l.demand(c, 1); // now a holds nothing: c waits, no recall
        assertThat(ar.drain()).isEmpty();
        assertThat(cr.drain()).isEmpty();
    }

    /** A holds "a" and "c" sent ahead, C took "b"; C's demand recalls them, C takes "c" and waits on. */
    private static LedgerPeer[] consumerWaitsWhileAGivenBackItemIsOlderThanWhatItTook(QueueLedger l, Recorder ar, Recorder cr) {
        LedgerPeer producer = l.attach(new Recorder());
        LedgerPeer a = l.attach(ar);
        LedgerPeer c = l.attach(cr);
        l.prefetch(a, 1);
        l.put(producer, QueueFrames.PUT_ASYNC, 0, b("a"));
        l.put(producer, QueueFrames.PUT_ASYNC, 0, b("b")); // a has no room for more: "b" stays
        l.demand(c, 1);
        assertThat(ar.drain()).containsExactly("ITEM1:a");
        assertThat(cr.drain()).containsExactly("ITEM0:b");
        l.ack(c, 1);
        l.prefetch(a, 2);
        l.put(producer, QueueFrames.PUT_ASYNC, 0, b("c"));
        assertThat(ar.drain()).containsExactly("ITEM1:c");
        l.prefetch(a, 0); // a takes nothing ahead any more: what it gives back is not sent to it again
        l.demand(c, 1); // c can take "c", which a holds: a recall
        assertThat(ar.drain()).containsExactly("RECALL");
        l.returned(a, 2);
        assertThat(cr.drain()).containsExactly("ITEM0:c");
        l.ack(c, 1);
        l.demand(c, 1); // the given-back "a" is older than what c took
        return new LedgerPeer[]{a, c};
    }

    @Test
    void aGivenBackItemWaitsAMomentForAConsumerThatCanTakeItInOrder() {
        QueueLedger l = new QueueLedger("q", 0, false, NO_TIMED_WORK);
        Recorder ar = new Recorder();
        Recorder cr = new Recorder();
        LedgerPeer[] ac = consumerWaitsWhileAGivenBackItemIsOlderThanWhatItTook(l, ar, cr);
        assertThat(cr.drain()).as("not at once to a consumer that took newer items").isEmpty();
        assertThat(l.nextDeadline()).as("a deadline for handing it out anyway").isNotZero();
        l.demand(ac[0], 1); // a, which took only older items, asks within the moment
        assertThat(ar.drain()).containsExactly("ITEM0:a");
        assertThat(l.nextDeadline()).isZero();
        l.tick();
        assertThat(cr.drain()).isEmpty();
    }

    @Test
    void aGivenBackItemNoConsumerTakesInOrderGoesToAWaitingOneAfterTheMoment() {
        QueueLedger l = new QueueLedger("q", 0, false, NO_TIMED_WORK);
        Recorder ar = new Recorder();
        Recorder cr = new Recorder();
        consumerWaitsWhileAGivenBackItemIsOlderThanWhatItTook(l, ar, cr);
        long start = System.nanoTime();
        List<String> got = new ArrayList<>();
        Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(2)).until(() -> {
            l.tick();
            got.addAll(cr.drain());
            return !got.isEmpty();
        });
        assertThat(got).containsExactly("ITEM0:a");
        assertThat(System.nanoTime() - start).as("after the grace").isGreaterThanOrEqualTo(GivenBackGrace.NANOS / 2);
        assertThat(l.nextDeadline()).isZero();
    }

    @Test
    void pollAnswersEmptyAtOnceAndAnItemWhenThereIsOne() {
        QueueLedger l = new QueueLedger("q", 0, false, NO_TIMED_WORK);
        Recorder r = new Recorder();
        LedgerPeer p = l.attach(r);
        l.poll(p, 7);
        assertThat(r.drain()).containsExactly("REPLY7:" + QueueFrames.EMPTY + ":0");
        l.put(p, QueueFrames.PUT_ASYNC, 0, b("x"));
        l.poll(p, 8);
        assertThat(r.drain()).containsExactly("ITEM2:x", "REPLY8:0:0");
    }

    @Test
    void aBoundedQueueHoldsPutsUntilThereIsRoomAndCountsItemsSentAhead() {
        QueueLedger l = new QueueLedger("q", 1, false, NO_TIMED_WORK);
        Recorder pr = new Recorder();
        Recorder cr = new Recorder();
        LedgerPeer producer = l.attach(pr);
        LedgerPeer consumer = l.attach(cr);
        l.put(producer, QueueFrames.PUT_WAIT, 1, b("a"));
        l.put(producer, QueueFrames.PUT_NOWAIT, 2, b("b"));
        l.put(producer, QueueFrames.PUT_WAIT, 3, b("c"));
        assertThat(pr.drain()).containsExactly("REPLY1:0:0", "REPLY2:" + QueueFrames.FULL + ":0");
        l.demand(consumer, 1);
        assertThat(pr.drain()).isEmpty(); // "a" is sent but not taken: still in the queue
        l.ack(consumer, 1);
        assertThat(pr.drain()).containsExactly("REPLY3:0:0");
        l.cancel(producer, 3); // already answered: nothing more
        assertThat(pr.drain()).isEmpty();
        assertThatThrownBy(() -> l.put(producer, QueueFrames.PUT_ASYNC, 0, b("d")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bounded to 1");
    }

    @Test
    void joinWaitsForEveryTaskAndOneTaskDoneTooManyIsRefused() {
        QueueLedger l = new QueueLedger("q", 0, true, NO_TIMED_WORK);
        Recorder pr = new Recorder();
        Recorder cr = new Recorder();
        Recorder xr = new Recorder();
        LedgerPeer producer = l.attach(pr);
        LedgerPeer consumer = l.attach(cr);
        LedgerPeer bystander = l.attach(xr);
        l.put(producer, QueueFrames.PUT_ASYNC, 0, b("a"));
        l.put(producer, QueueFrames.PUT_ASYNC, 0, b("b"));
        l.join(producer, 5);
        l.demand(consumer, 2);
        l.ack(consumer, 2);
        l.taskDone(consumer, 1);
        // a process that took nothing marks the consumer's other item done: allowed, as in Python
        l.doneCheck(bystander, 9);
        assertThat(xr.drain()).containsExactly("REPLY9:0:0");
        assertThat(cr.drain()).containsExactly("ITEM0:a", "ITEM0:b", "REVOKE1");
        assertThat(pr.drain()).containsExactly("REPLY5:0:0");
        l.doneCheck(consumer, 10);
        assertThat(cr.drain()).containsExactly("ERROR10");
        assertThat(l.unfinished()).isZero();
    }

    @Test
    void anAcknowledgementOfMoreThanWasSentIsAProtocolError() {
        QueueLedger l = new QueueLedger("q", 0, false, NO_TIMED_WORK);
        LedgerPeer p = l.attach(new Recorder());
        assertThatThrownBy(() -> l.ack(p, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ACK of 1 items").hasMessageContaining("holds 0");
    }
}
