package org.mtcp.cli.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mtcp.core.policy.MigrationPolicy;
import org.mtcp.core.policy.ResponseSignal;
import org.mtcp.core.policy.ResponseTimePolicy;

/** The proxy's view of where HTTP responses end, and the response-time policy fed with it. */
class HttpResponseFramingTest {

    private static final String CHUNKED = "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
            + "Transfer-Encoding: chunked\r\nBatch-Id: b1\r\n\r\n"
            + "1b\r\n{\"seq\":1,\"frontend\":\"fe1\"}\n\r\n"
            + "1b\r\n{\"seq\":2,\"frontend\":\"fe2\"}\n\r\n"
            + "0\r\n\r\n";
    private static final String SIZED = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello";
    private static final String INTERIM_AND_EMPTY = "HTTP/1.1 100 Continue\r\n\r\n"
            + "HTTP/1.1 204 No Content\r\n\r\n";
    private static final String TRAILERS = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
            + "3;ext=1\r\nabc\r\n0\r\nX-Checksum: 1\r\n\r\n";
    private static final String EMPTY_BODY = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";

    @Test
    void findsTheEndOfEveryResponseWhereverTheStreamIsSplit() {
        String stream = CHUNKED + SIZED + INTERIM_AND_EMPTY + TRAILERS + EMPTY_BODY;
        byte[] bytes = stream.getBytes(StandardCharsets.ISO_8859_1);
        List<Integer> expectedEnds = ends(bytes, 1);
        assertThat(expectedEnds).hasSize(5);
        assertThat(expectedEnds.get(0)).isEqualTo(CHUNKED.length());
        for (int split = 0; split <= bytes.length; split++) {
            HttpResponseFraming f = new HttpResponseFraming();
            int total = f.feed(bytes, 0, split) + f.feed(bytes, split, bytes.length - split);
            assertThat(total).as("split at %d", split).isEqualTo(5);
            assertThat(f.lost()).isFalse();
        }
        for (int step : new int[] {2, 3, 7, 64}) {
            assertThat(ends(bytes, step)).hasSize(5);
        }
    }

    @Test
    void aResponseWithoutLengthOrAnUpgradeOrGarbageLosesTheFraming() {
        for (String s : List.of("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end",
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
                "garbage\r\n",
                "\u0000\u0000\u0000\u0008R",                          // binary (PostgreSQL): at once, no line end
                "HTTP/2 200\r\n",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")) {
            HttpResponseFraming f = new HttpResponseFraming();
            byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
            assertThat(f.feed(b, 0, b.length)).isZero();
            assertThat(f.lost()).as(s).isTrue();
        }
    }

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
        byte[] header = "GET / HTTP/1.1\r\nHEAD: no\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(new HttpRequestWatch().feed(header, 0, header.length)).isFalse();
    }

    /** The offsets just after each response end, feeding {@code step} bytes at a time. */
    private static List<Integer> ends(byte[] bytes, int step) {
        HttpResponseFraming f = new HttpResponseFraming();
        List<Integer> ends = new ArrayList<>();
        for (int i = 0; i < bytes.length; i += step) {
            int n = Math.min(step, bytes.length - i);
            int done = f.feed(bytes, i, n);
            for (int k = 0; k < done; k++) {
                ends.add(i + n);
            }
        }
        return ends;
    }
}
