package org.mtcp.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Every policy against a synthetic clock, and the spec parser. */
class PoliciesTest {

    static final long MS = 1_000_000L;

    // ------------------------------------------------------------ inbound rate

    /** Feeds {@code chunk} bytes every {@code gapMs} for {@code count} chunks from {@code t}; returns the end time. */
    static long stream(MigrationPolicy p, long t, int count, int chunk, long gapMs) {
        for (int i = 0; i < count; i++) {
            t += gapMs * MS;
            p.onBytesReceived(chunk, t);
        }
        return t;
    }

    @Test
    void rateFiresWhenTheSmoothedRateFalls25PercentBelowTheBest() {
        InboundRatePolicy p = new InboundRatePolicy();
        p.onNewHolder("s1", 0);
        long t = stream(p, 0, 200, 1024, 10); // 100 KB/s, steady
        assertThat(p.evaluate(t)).isEmpty();
        double steady = p.smoothedRate();
        assertThat(steady).isBetween(90_000.0, 110_000.0);
        // The server slows to a third: the EWMA (alpha 1/8) crosses -25% after a few samples.
        Optional<String> fired = Optional.empty();
        int slowChunks = 0;
        while (fired.isEmpty() && slowChunks < 200) {
            t = stream(p, t, 1, 1024, 30);
            slowChunks++;
            fired = p.evaluate(t);
        }
        assertThat(fired).hasValueSatisfying(r -> assertThat(r).startsWith("rate: inbound rate from s1 fell to"));
        assertThat(p.smoothedRate()).isLessThan(0.75 * steady);
        assertThat(slowChunks).isBetween(4, 60);
    }

    @Test
    void rateDoesNotFireDuringWarmUpOrOnNoise() {
        InboundRatePolicy p = new InboundRatePolicy();
        p.onNewHolder("s1", 0);
        // A fast first burst then normal speed: within the warm-up, nothing fires.
        long t = stream(p, 0, 20, 8192, 1);
        t = stream(p, t, 5, 1024, 10);
        assertThat(p.evaluate(t)).isEmpty();
        // Steady stream with +-15% jitter: never 25% below the best.
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < 2000; i++) {
            t += (10 + r.nextInt(3) - 1) * MS;
            p.onBytesReceived(1024, t);
            assertThat(p.evaluate(t)).as("sample %d", i).isEmpty();
        }
    }

    @Test
    void rateTreatsIdleAsIdleNotSlow() {
        InboundRatePolicy p = new InboundRatePolicy();
        p.onNewHolder("s1", 0);
        long t = stream(p, 0, 200, 1024, 10);
        t += 30_000 * MS; // 30 s without traffic: the client asked nothing
        t = stream(p, t, 30, 1024, 10);
        assertThat(p.evaluate(t)).isEmpty();
    }

    @Test
    void rateStartsAfreshWithANewHolder() {
        InboundRatePolicy p = new InboundRatePolicy();
        p.onNewHolder("s1", 0);
        long t = stream(p, 0, 200, 1024, 10);
        t = stream(p, t, 100, 1024, 40);
        assertThat(p.evaluate(t)).isPresent();
        p.onNewHolder("s2", t);
        assertThat(p.evaluate(t)).isEmpty();
        t = stream(p, t, 100, 1024, 40); // s2 is slow but steady: that is its best
        assertThat(p.evaluate(t)).isEmpty();
        assertThat(p.smoothedRate()).isBetween(20_000.0, 30_000.0);
    }

    @Test
    void rateNeedsMinBytesFromTheHolder() {
        MigrationPolicy p = Policies.inboundRate(0.125, 0.25, 1 << 20, Duration.ofMillis(100), Duration.ofSeconds(1)).get();
        p.onNewHolder("s1", 0);
        long t = stream(p, 0, 200, 1024, 10);
        t = stream(p, t, 100, 1024, 50);
        assertThat(p.evaluate(t)).isEmpty(); // only 300 KB from this holder, 1 MB needed
    }

    // ------------------------------------------------------------ response time

    @Test
    void responseTimeFiresOnAnOutstandingRequestPastTheThreshold() {
        MigrationPolicy p = new ResponseTimePolicy(Duration.ofMillis(500));
        p.onNewHolder("s1", 0);
        assertThat(p.evaluate(10 * MS)).isEmpty(); // nothing asked
        p.onBytesSent(100, 100 * MS);
        p.onBytesSent(100, 300 * MS); // same request, still waiting since 100 ms
        assertThat(p.evaluate(550 * MS)).isEmpty();
        assertThat(p.evaluate(601 * MS)).hasValueSatisfying(r ->
                assertThat(r).startsWith("response-time: no response from s1 for 501 ms (threshold 500 ms)"));
        p.onBytesReceived(10, 650 * MS);
        assertThat(p.evaluate(5_000 * MS)).isEmpty(); // answered; idle is fine
    }

    @Test
    void responseTimeGivesANewHolderTheFullThreshold() {
        MigrationPolicy p = new ResponseTimePolicy(Duration.ofMillis(500));
        p.onNewHolder("s1", 0);
        p.onBytesSent(1, 0);
        assertThat(p.evaluate(600 * MS)).isPresent();
        p.onNewHolder("s2", 600 * MS);
        assertThat(p.evaluate(1_000 * MS)).isEmpty();
        assertThat(p.evaluate(1_101 * MS)).hasValueSatisfying(r -> assertThat(r).contains("from s2"));
    }

    @Test
    void responseTimeWithFramedResponsesTimesTheGapsUntilTheResponseIsComplete() {
        MigrationPolicy p = new ResponseTimePolicy(Duration.ofMillis(500));
        p.onNewHolder("s1", 0);
        p.onResponseSignal(ResponseSignal.FRAMED, 0);
        p.onBytesSent(100, 100 * MS);
        p.onResponseSignal(ResponseSignal.REQUEST_SENT, 100 * MS);
        p.onBytesReceived(10, 400 * MS); // the head of a streamed response: still waiting
        assertThat(p.evaluate(850 * MS)).isEmpty();
        p.onBytesReceived(10, 800 * MS); // one more line, the gap starts afresh
        assertThat(p.evaluate(1_250 * MS)).isEmpty();
        assertThat(p.evaluate(1_301 * MS)).hasValueSatisfying(r -> assertThat(r)
                .startsWith("response-time: nothing from s1 for 501 ms of a response not complete yet (threshold 500 ms)"));
        p.onNewHolder("s2", 1_301 * MS);
        assertThat(p.evaluate(1_700 * MS)).isEmpty(); // the new holder gets the full threshold
        p.onBytesReceived(10, 1_700 * MS);
        p.onResponseSignal(ResponseSignal.COMPLETE, 1_700 * MS);
        assertThat(p.evaluate(9_000 * MS)).isEmpty(); // complete: an idle keep-alive connection stays
    }

    @Test
    void responseTimeWithFramedRequestsTimesFromTheEndOfARequestNotItsFirstByte() {
        MigrationPolicy p = new ResponseTimePolicy(Duration.ofMillis(1000));
        p.onNewHolder("s1", 0);
        p.onResponseSignal(ResponseSignal.FRAMED, 0);
        for (long s = 0; s < 30; s++) {               // slowloris: a request head at one byte a second
            p.onBytesSent(1, s * 1_000 * MS);
            assertThat(p.evaluate(s * 1_000 * MS + 999 * MS)).as("second %d", s).isEmpty();
        }
        assertThat(p.evaluate(60_000 * MS)).isEmpty();
        p.onResponseSignal(ResponseSignal.REQUEST_SENT, 60_000 * MS); // the blank line, at last
        assertThat(p.evaluate(61_000 * MS)).isEmpty();
        assertThat(p.evaluate(61_001 * MS)).hasValueSatisfying(r -> assertThat(r).contains("from s1 for 1001 ms"));
        p.onResponseSignal(ResponseSignal.COMPLETE, 61_100 * MS);
        assertThat(p.evaluate(99_000 * MS)).isEmpty();
    }

    @Test
    void responseTimeWithFramedRequestsCountsEarlyAndPipelinedResponses() {
        MigrationPolicy p = new ResponseTimePolicy(Duration.ofMillis(500));
        p.onNewHolder("s1", 0);
        p.onResponseSignal(ResponseSignal.FRAMED, 0);
        // a server that answers (413) before the upload has ended: nothing is awaited after it
        p.onBytesSent(100, 0);
        p.onResponseSignal(ResponseSignal.COMPLETE, 100 * MS);
        p.onResponseSignal(ResponseSignal.REQUEST_SENT, 200 * MS);
        assertThat(p.evaluate(5_000 * MS)).isEmpty();
        // two pipelined requests: the second response is due from the end of the first
        p.onResponseSignal(ResponseSignal.REQUEST_SENT, 6_000 * MS);
        p.onResponseSignal(ResponseSignal.REQUEST_SENT, 6_000 * MS);
        p.onResponseSignal(ResponseSignal.COMPLETE, 6_400 * MS);
        assertThat(p.evaluate(6_800 * MS)).isEmpty();
        assertThat(p.evaluate(6_901 * MS)).isPresent();
        p.onResponseSignal(ResponseSignal.COMPLETE, 6_950 * MS);
        assertThat(p.evaluate(20_000 * MS)).isEmpty();
    }

    @Test
    void responseTimeReturnsToTheFirstByteRuleWhenTheFramingIsLost() {
        MigrationPolicy p = new ResponseTimePolicy(Duration.ofMillis(500));
        p.onNewHolder("s1", 0);
        p.onResponseSignal(ResponseSignal.FRAMED, 0);
        p.onBytesSent(100, 0);
        p.onBytesReceived(10, 100 * MS);
        p.onResponseSignal(ResponseSignal.LOST, 100 * MS);
        assertThat(p.evaluate(5_000 * MS)).isEmpty();
        p.onBytesSent(100, 6_000 * MS);
        p.onBytesReceived(10, 6_100 * MS); // the first byte ends the wait again
        assertThat(p.evaluate(9_000 * MS)).isEmpty();
    }

    @Test
    void responseSignalsDoNotConcernTheOtherPolicies() {
        MigrationPolicy p = new SilencePolicy(Duration.ofSeconds(2));
        p.onNewHolder("s1", 0);
        p.onResponseSignal(ResponseSignal.FRAMED, 0);
        p.onResponseSignal(ResponseSignal.COMPLETE, 100 * MS);
        assertThat(p.evaluate(2_001 * MS)).isPresent();
    }

    // ------------------------------------------------------------ silence, rtt, holder failure

    @Test
    void silenceCountsAnyFrameFromTheHolder() {
        MigrationPolicy p = new SilencePolicy(Duration.ofSeconds(2));
        p.onNewHolder("s1", 0);
        p.onHolderHeard(1_500 * MS);
        assertThat(p.evaluate(3_400 * MS)).isEmpty();
        assertThat(p.evaluate(3_600 * MS)).hasValueSatisfying(r ->
                assertThat(r).isEqualTo("silence: nothing from s1 for 2100 ms (threshold 2000 ms)"));
        p.onNewHolder("s2", 3_600 * MS);
        assertThat(p.evaluate(4_000 * MS)).isEmpty();
    }

    @Test
    void rttUsesASmoothedEstimateAfterAFewSamples() {
        MigrationPolicy p = new RttPolicy(Duration.ofMillis(100));
        p.onNewHolder("s1", 0);
        p.onRoundTrip(500 * MS, 1);
        p.onRoundTrip(500 * MS, 2);
        assertThat(p.evaluate(3)).isEmpty(); // two samples only
        p.onRoundTrip(500 * MS, 3);
        assertThat(p.evaluate(4)).hasValueSatisfying(r -> assertThat(r).startsWith("rtt: smoothed round trip to s1 is 500 ms"));
        p.onNewHolder("s2", 5);
        for (int i = 0; i < 10; i++) {
            p.onRoundTrip(10 * MS, 6 + i);
        }
        assertThat(p.evaluate(20)).isEmpty();
        p.onRoundTrip(1_000 * MS, 21); // one spike: smoothed to ~133 ms... above
        p.onRoundTrip(10 * MS, 22);
        p.onRoundTrip(10 * MS, 23);
        p.onRoundTrip(10 * MS, 24);
        assertThat(p.evaluate(25)).isEmpty(); // ... and back below after a few normal samples
    }

    @Test
    void holderFailureMigratesWithTheCause() {
        MigrationPolicy p = new HolderFailurePolicy();
        p.onNewHolder("s1", 0);
        assertThat(p.evaluate(1)).isEmpty();
        p.onHolderFailure("EOF without CLOSE", 2);
        assertThat(p.evaluate(3)).contains("holder-failed: EOF without CLOSE");
        p.onNewHolder("s2", 4);
        assertThat(p.evaluate(5)).isEmpty();
    }

    // ------------------------------------------------------------ specs

    @Test
    void specsParseToTheRightPolicies() {
        assertThat(Policies.parse("rate").get()).isInstanceOf(InboundRatePolicy.class);
        assertThat(Policies.parse(" rate:alpha=0.25, drop=0.5 ,min-bytes=16k,sample=50ms,idle=2s").get())
                .isInstanceOf(InboundRatePolicy.class);
        assertThat(Policies.parse("response-time:500ms").get()).isInstanceOf(ResponseTimePolicy.class);
        assertThat(Policies.parse("response-time:threshold=1.5s").get()).isInstanceOf(ResponseTimePolicy.class);
        assertThat(Policies.parse("silence:2s").get()).isInstanceOf(SilencePolicy.class);
        assertThat(Policies.parse("rtt:250us").get()).isInstanceOf(RttPolicy.class);
        assertThat(Policies.parse("holder-failure").get()).isInstanceOf(HolderFailurePolicy.class);
        // Factories: a fresh instance per connection.
        var f = Policies.parse("silence:1m");
        assertThat(f.get()).isNotSameAs(f.get());
    }

    @Test
    void parsedParametersTakeEffect() {
        MigrationPolicy p = Policies.parse("response-time:200ms").get();
        p.onNewHolder("s1", 0);
        p.onBytesSent(1, 0);
        assertThat(p.evaluate(199 * MS)).isEmpty();
        assertThat(p.evaluate(201 * MS)).isPresent();
        assertThat(Policies.duration("x", "1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Policies.duration("x", "2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Policies.size("x", "16k")).isEqualTo(16384);
        assertThat(Policies.size("x", "1m")).isEqualTo(1 << 20);
    }

    @Test
    void badSpecsAreClearErrorsListingTheValidOnes() {
        for (String bad : new String[] {"", "fast", "rate:", "rate:alpha", "rate:alpha=2", "rate:drop=1",
                "rate:beta=1", "rate:alpha=0.1,alpha=0.2", "rate:min-bytes=-1", "rate:sample=5",
                "response-time", "response-time:500", "response-time:-5ms", "silence:soon", "rtt:0ms",
                "holder-failure:now"}) {
            assertThatThrownBy(() -> Policies.parse(bad)).as("'%s'", bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("valid specs: rate[");
        }
        assertThatThrownBy(() -> Policies.parse("fast")).hasMessageStartingWith("unknown policy 'fast'");
        assertThatThrownBy(() -> Policies.parse("response-time:500"))
                .hasMessageContaining("needs a unit");
    }
}
