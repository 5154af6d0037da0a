package org.mtcp.core.internal.stream;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The delayed-ACK policy, on a clock the test drives (no sleeping, no timing). */
class AckClockTest {

    private static final long WINDOW = 1 << 20;
    private static final long QUARTER = WINDOW / 4;

    @Test
    void aQuarterWindowOfBytesMakesAnAckDueAtOnce() {
        AckClock ack = new AckClock(WINDOW, 0, WINDOW);
        assertThat(ack.received(QUARTER - 1, 0)).as("first bytes start the delay: the sender looks").isTrue();
        assertThat(ack.shouldSend(0)).isFalse();
        assertThat(ack.received(QUARTER - 1, 1)).as("no new wake-up per frame").isFalse();
        assertThat(ack.received(QUARTER, 2)).isTrue();
        assertThat(ack.shouldSend(2)).isTrue();
        ack.sent(QUARTER, WINDOW);
        assertThat(ack.shouldSend(3)).isFalse();
        assertThat(ack.nanosToDue(3)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void fewBytesAreAcknowledgedAfterTheDelay() {
        AckClock ack = new AckClock(WINDOW, 0, WINDOW);
        ack.received(100, 1_000);
        assertThat(ack.shouldSend(1_000 + AckClock.DELAY_NANOS - 1)).isFalse();
        assertThat(ack.nanosToDue(1_000)).isEqualTo(AckClock.DELAY_NANOS);
        assertThat(ack.shouldSend(1_000 + AckClock.DELAY_NANOS)).isTrue();
    }

    @Test
    void aBulkStreamGetsOneAckPerQuarterWindowNotOnePerFrame() {
        AckClock ack = new AckClock(WINDOW, 0, WINDOW);
        int acks = 0;
        long received = 0;
        for (int frame = 0; frame < 1024; frame++) { // 64 MiB in 64 KiB frames, 1 us apart
            received += 64 * 1024;
            long now = frame * 1_000L;
            ack.received(received, now);
            if (ack.shouldSend(now)) {
                acks++;
                ack.sent(received, received + WINDOW);
            }
        }
        assertThat(acks).isEqualTo(1024 / 4);
    }

    @Test
    void theWindowReopeningAfterAStallIsAcknowledgedAtOnceASmallMoveIsNot() {
        AckClock ack = new AckClock(WINDOW, 0, WINDOW);
        ack.sent(WINDOW / 2, WINDOW);
        assertThat(ack.windowMoved(WINDOW + 10, WINDOW / 2)).as("small move, peer not stalled").isFalse();
        assertThat(ack.windowMoved(WINDOW + 10, WINDOW)).as("the peer filled the window it was given").isTrue();
        assertThat(ack.shouldSend(0)).isTrue();
        ack.sent(WINDOW, WINDOW + 10);
        assertThat(ack.windowMoved(WINDOW + 10 + QUARTER, WINDOW)).as("a quarter window").isTrue();
    }

    @Test
    void aFinOrANewLinkIsAcknowledgedAtOnce() {
        AckClock ack = new AckClock(WINDOW, 0, WINDOW);
        ack.now();
        assertThat(ack.shouldSend(0)).isTrue();
        assertThat(ack.nanosToDue(0)).isZero();
    }

    @Test
    void aLargeWindowStillAcknowledgesEveryMaxThreshold() {
        AckClock ack = new AckClock(64L << 20, 0, 64L << 20);
        ack.received(AckClock.MAX_THRESHOLD - 1, 0);
        assertThat(ack.shouldSend(0)).isFalse();
        ack.received(AckClock.MAX_THRESHOLD, 0);
        assertThat(ack.shouldSend(0)).isTrue();
    }
}
