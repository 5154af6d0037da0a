package org.mtcp.core.internal.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The keepalive schedule on synthetic times. */
class KeepaliveScheduleTest {

    private static final long BASE = 1_000;
    private static final long CEILING = 8_000;

    private final KeepaliveSchedule k = new KeepaliveSchedule(BASE, CEILING, 3);

    /** Sends the PING due at {@code now} and has it answered. */
    private void pingAnswered(long now) {
        assertThat(k.pingDue(now)).as("a PING due at %d", now).isTrue();
        k.pingSent(now);
        k.heard();
    }

    @Test
    void anIdleConnectionBacksOffToTheCeilingAndDataReturnsItToTheBaseInterval() {
        k.restart(0);
        long t = 0;
        pingAnswered(t);
        // nothing flows: 1, 2, 4, 8, then 8 apart
        long[] expected = {BASE, 2 * BASE, 4 * BASE, 8 * BASE, 8 * BASE};
        for (long interval : expected) {
            assertThat(k.pingDue(t + interval - 1)).isFalse();
            t += interval;
            pingAnswered(t);
        }
        assertThat(k.mode()).isEqualTo(KeepaliveSchedule.Mode.IDLE);
        assertThat(k.intervalNanos()).isEqualTo(CEILING);
        k.dataReceived();
        assertThat(k.mode()).isEqualTo(KeepaliveSchedule.Mode.ACTIVE);
        assertThat(k.intervalNanos()).isEqualTo(BASE);
        assertThat(k.pingDue(t + BASE)).isTrue();
    }

    @Test
    void aPendingRequestKeepsTheBaseIntervalWithoutData() {
        k.restart(0);
        pingAnswered(0);
        k.requestPending(true);
        for (long t = BASE; t <= 10 * BASE; t += BASE) {
            pingAnswered(t);
            assertThat(k.intervalNanos()).isEqualTo(BASE);
        }
        k.requestPending(false);
        pingAnswered(11 * BASE);
        assertThat(k.intervalNanos()).as("backing off once the response is complete").isEqualTo(2 * BASE);
    }

    @Test
    void theHolderIsSilentMissedBaseIntervalsAfterItOwedAnAnswerWhateverTheBackOff() {
        k.restart(0);
        long t = 0;
        pingAnswered(t);
        for (int i = 0; i < 6; i++) {
            t += k.intervalNanos();
            pingAnswered(t);
        }
        assertThat(k.intervalNanos()).isEqualTo(CEILING);
        // a request goes out: the holder owes an ACK from now on
        long sent = t + 100;
        k.dataSent(sent);
        assertThat(k.silent(sent + 3 * BASE - 1)).isFalse();
        assertThat(k.nanosToNextEvent(sent)).isLessThanOrEqualTo(3 * BASE);
        assertThat(k.silent(sent + 3 * BASE)).isTrue();
        // an answer clears it
        k.heard();
        assertThat(k.silent(sent + 10 * BASE)).isFalse();
    }
}
