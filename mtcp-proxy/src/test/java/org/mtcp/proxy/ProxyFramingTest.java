package org.mtcp.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.mtcp.core.policy.MigrationPolicy;
import org.mtcp.core.policy.ResponseSignal;
import org.mtcp.core.policy.ResponseTimePolicy;

/** The request side of the proxy's framing, and the response-time policy fed with the framing. */
class ProxyFramingTest {

    @Test
    void thePolicyFedWithTheFramingWaitsUntilTheResponseIsCompleteNotJustItsFirstByte() {
        long ms = 1_000_000;
        MigrationPolicy p = new ResponseTimePolicy(Duration.ofMillis(1000));
        p.onNewHolder("fe1", 0);
        p.onResponseSignal(ResponseSignal.FRAMED, 0);
        assertThat(p.evaluate(5000 * ms)).isEmpty();                 // idle: nothing asked
        p.onBytesSent(200, 10_000 * ms);                              // the batch request
        p.onBytesReceived(120, 10_200 * ms);                          // head and a first line
        assertThat(p.evaluate(11_100 * ms)).isEmpty();
        p.onBytesReceived(30, 11_150 * ms);                           // another line, in time
        assertThat(p.evaluate(12_100 * ms)).isEmpty();
        assertThat(p.evaluate(12_151 * ms)).get().asString()           // the next one is late
                .startsWith("response-time: nothing from fe1 for 1001 ms");
        p.onNewHolder("fe2", 12_300 * ms);                            // migrated: a full threshold again
        assertThat(p.evaluate(13_200 * ms)).isEmpty();
        p.onBytesReceived(30, 13_250 * ms);
        p.onResponseSignal(ResponseSignal.COMPLETE, 13_250 * ms);
        assertThat(p.evaluate(60_000 * ms)).isEmpty();                // complete: an idle connection never moves

        MigrationPolicy lost = new ResponseTimePolicy(Duration.ofMillis(1000));
        lost.onResponseSignal(ResponseSignal.FRAMED, 0);
        lost.onResponseSignal(ResponseSignal.LOST, 0);
        lost.onBytesSent(10, 0);
        lost.onBytesReceived(10, 100 * ms);                           // first byte: as without framing
        assertThat(lost.evaluate(60_000 * ms)).isEmpty();
    }

    @Test
    void theRequestWatchSeesHeadRequestsAtTheStartOfARequest() {
        HttpRequestWatch w = new HttpRequestWatch();
        byte[] get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(w.feed(get, 0, get.length)).isFalse();
        byte[] head = "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(w.feed(head, 0, 2)).isFalse();
        assertThat(w.feed(head, 2, head.length - 2)).isTrue();        // split anywhere
        assertThat(new HttpRequestWatch().feed(head, 0, head.length)).isTrue();
        byte[] header = "GET / HTTP/1.1\r\nHost: x\r\nHEAD: no\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(new HttpRequestWatch().feed(header, 0, header.length)).isFalse();
    }

    @Test
    void theRequestWatchFollowsBodiesAndGivesUpOnWhatItCannotParse() {
        byte[] post = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nHEAD GET / HTTP/1.1\r\nHost: x\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1);
        HttpRequestWatch w = new HttpRequestWatch();
        for (int i = 0; i < post.length; i++) {
            assertThat(w.feed(post, i, 1)).as("a body that begins with HEAD is a body, byte %d", i).isFalse();
        }
        byte[] binary = "\u0000\u0000\u0000\u0008\u0004\u00d2\u0016/".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(new HttpRequestWatch().feed(binary, 0, binary.length)).isTrue();
    }
}
