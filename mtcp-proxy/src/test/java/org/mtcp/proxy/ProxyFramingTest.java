package org.mtcp.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
        p.onBytesSent(200, 9_000 * ms);                               // the batch request, sent slowly
        assertThat(p.evaluate(9_999 * ms)).isEmpty();                 // not timed while it is being sent
        p.onResponseSignal(ResponseSignal.REQUEST_SENT, 10_000 * ms); // its last byte
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
        assertThat(w.feed(get, 0, get.length)).isEqualTo(1);
        assertThat(w.givenUp()).isFalse();
        byte[] head = "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(w.feed(head, 0, 2)).isZero();
        assertThat(w.givenUp()).isFalse();
        assertThat(w.feed(head, 2, head.length - 2)).isZero();          // split anywhere
        assertThat(w.givenUp()).isTrue();
        HttpRequestWatch whole = new HttpRequestWatch();
        whole.feed(head, 0, head.length);
        assertThat(whole.givenUp()).isTrue();
        byte[] header = "GET / HTTP/1.1\r\nHost: x\r\nHEAD: no\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        HttpRequestWatch headerNamedHead = new HttpRequestWatch();
        assertThat(headerNamedHead.feed(header, 0, header.length)).isEqualTo(1);
        assertThat(headerNamedHead.givenUp()).isFalse();
    }

    @Test
    void theRequestWatchFollowsBodiesAndGivesUpOnWhatItCannotParse() {
        byte[] post = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nHEAD GET / HTTP/1.1\r\nHost: x\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1);
        HttpRequestWatch w = new HttpRequestWatch();
        int ended = 0;
        List<Integer> endedAt = new ArrayList<>();
        for (int i = 0; i < post.length; i++) {
            int n = w.feed(post, i, 1);
            if (n > 0) {
                endedAt.add(i);
            }
            ended += n;
            assertThat(w.givenUp()).as("a body that begins with HEAD is a body, byte %d", i).isFalse();
        }
        // the POST ends with the last byte of its body, the GET with the blank line of its head
        int postEnd = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nHEAD ".length() - 1;
        assertThat(ended).isEqualTo(2);
        assertThat(endedAt).containsExactly(postEnd, post.length - 1);
        byte[] binary = "\u0000\u0000\u0000\u0008\u0004\u00d2\u0016/".getBytes(StandardCharsets.ISO_8859_1);
        HttpRequestWatch notHttp = new HttpRequestWatch();
        assertThat(notHttp.feed(binary, 0, binary.length)).isZero();
        assertThat(notHttp.givenUp()).isTrue();
    }
}
