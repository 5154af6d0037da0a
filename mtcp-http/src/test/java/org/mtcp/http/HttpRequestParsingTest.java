package org.mtcp.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The codec on requests: heads at every split point, exact consumption, clear errors. */
class HttpRequestParsingTest {

    private static final int MAX_HEAD = 8192;

    private static final String CURL = "GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
            + "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Feeds {@code input} in pieces cut at {@code cuts}; returns requests and the bytes consumed. */
    private static Parsed parseAll(byte[] input, int... cuts) throws Exception {
        HttpMessageParser parser = HttpMessageParser.forRequests(MAX_HEAD);
        List<HttpRequest> requests = new ArrayList<>();
        int consumedTotal = 0;
        int start = 0;
        List<Integer> bounds = new ArrayList<>();
        for (int c : cuts) {
            bounds.add(c);
        }
        bounds.add(input.length);
        boolean recorded = false;
        for (int end : bounds) {
            int off = start;
            while (true) {
                int n = parser.feed(input, off, end - off);
                off += n;
                consumedTotal += n;
                if (parser.isHeadComplete() && !recorded) {
                    requests.add(parser.request());
                    recorded = true;
                    continue;                        // without a body, it completes without a byte
                }
                if (parser.isComplete()) {
                    parser.reset();
                    recorded = false;
                    continue;
                }
                if (off < end) {
                    fail("parser stopped before the end of an incomplete message");
                }
                break;
            }
            start = end;
        }
        return new Parsed(requests, consumedTotal, parser.isStarted());
    }

    private static HttpRequest parse(String head) throws Exception {
        Parsed p = parseAll(bytes(head));
        assertThat(p.requests()).hasSize(1);
        return p.requests().get(0);
    }

    private record Parsed(List<HttpRequest> requests, int consumed, boolean partial) {}

    @Test
    void parsesCurlRequestAtEverySplitPoint() throws Exception {
        byte[] input = bytes(CURL);
        for (int cut = 0; cut <= input.length; cut++) {
            Parsed p = parseAll(input, cut);
            assertThat(p.requests()).as("cut at %d", cut).hasSize(1);
            HttpRequest r = p.requests().get(0);
            assertThat(r.method()).isEqualTo("GET");
            assertThat(r.target()).isEqualTo("/big.bin");
            assertThat(r.version()).isEqualTo(HttpVersion.HTTP_1_1);
            assertThat(r.header("host")).contains("127.0.0.1:8080");
            assertThat(r.header("USER-AGENT")).contains("curl/7.88.1");
            assertThat(r.keepAlive()).isTrue();
            assertThat(r.hasBody()).isFalse();
            assertThat(p.partial()).isFalse();
        }
    }

    @Test
    void parsesPipelinedRequestsAtEveryPairOfSplitPoints() throws Exception {
        String second = "HEAD /a%20b.txt?x=1 HTTP/1.1\nHost: h\nConnection: close\n\n";
        byte[] input = bytes(CURL + second);
        for (int a = 0; a <= input.length; a++) {
            for (int b = a; b <= input.length; b += 7) {
                Parsed p = parseAll(input, a, b);
                assertThat(p.requests()).extracting(HttpRequest::method).containsExactly("GET", "HEAD");
                assertThat(p.requests().get(1).keepAlive()).isFalse();
                assertThat(p.consumed()).isEqualTo(input.length);
            }
        }
    }

    @Test
    void consumesExactlyTheMessageAndLeavesWhatFollows() throws Exception {
        byte[] input = bytes(CURL + "GET /next");
        HttpMessageParser parser = HttpMessageParser.forRequests(MAX_HEAD);
        int n = parser.feed(input, 0, input.length);
        assertThat(parser.isHeadComplete()).isTrue();
        assertThat(n).isEqualTo(CURL.length());
        assertThat(parser.feed(input, n, input.length - n)).isZero();
        assertThat(parser.isComplete()).isTrue();
        assertThat(parser.feed(input, n, input.length - n)).isZero();
        parser.reset();
        assertThat(parser.feed(input, n, input.length - n)).isEqualTo(input.length - n);
        assertThat(parser.isHeadComplete()).isFalse();
        assertThat(parser.isStarted()).isTrue();
    }

    @Test
    void skipsEmptyLinesBeforeARequest() throws Exception {
        HttpRequest r = parse("\r\n\r\nGET / HTTP/1.0\r\n\r\n");
        assertThat(r.version()).isEqualTo(HttpVersion.HTTP_1_0);
        assertThat(r.keepAlive()).isFalse();
        HttpMessageParser parser = HttpMessageParser.forRequests(MAX_HEAD);
        assertThat(parser.feed(bytes("\r\n"), 0, 2)).isEqualTo(2);
        assertThat(parser.isStarted()).isFalse();
    }

    @Test
    void keepAliveFollowsTheVersionAndConnectionHeader() throws Exception {
        assertThat(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: Keep-Alive, Close\r\n\r\n")
                .keepAlive()).isFalse();
        assertThat(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keepAlive()).isTrue();
        assertThat(parse("GET / HTTP/1.0\r\n\r\n").keepAlive()).isFalse();
    }

    @Test
    void trimsFieldValuesAndKeepsObsText() throws Exception {
        HttpRequest r = parse("GET / HTTP/1.1\r\nHost:\t h \t\r\nX-Ok: v\u00e9\r\n\r\n");
        assertThat(r.header("Host")).contains("h");
        assertThat(r.header("X-Ok")).contains("v\u00e9");
    }

    @Test
    void requestsWithBodiesAreRecognised() throws Exception {
        assertThat(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n").hasBody()).isTrue();
        assertThat(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n").hasBody()).isFalse();
        assertThat(parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n").hasBody())
                .isTrue();
        assertThat(parse("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 7\r\n\r\n1234567").contentLength()).hasValue(7);
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("GET /\r\nHost: h\r\n\r\n", 505),                         // HTTP/0.9
                Arguments.of("GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 400),
                Arguments.of("G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400),
                Arguments.of("GET / HTTP/1.1\rHost: h\r\n\r\n", 400),
                Arguments.of("GET / HTTP/1.1\r\nHost: h\r\nBad Name: x\r\n\r\n", 400),
                Arguments.of("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", 400),
                Arguments.of("GET / HTTP/1.1\r\nHost: h\r\n: empty\r\n\r\n", 400),
                Arguments.of("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n folded\r\n\r\n", 400),
                Arguments.of("GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400),
                Arguments.of("GET / HTTP/1.1\r\nHost: h\u0001\r\n\r\n", 400),
                Arguments.of("GET / HTTP/1.1\r\nHost: h\u0000\r\n\r\n", 400),
                Arguments.of("GET / HTTP/1.1\r\n\r\n", 400),
                Arguments.of("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
                Arguments.of("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400),
                Arguments.of("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1x\r\n\r\n", 400),
                Arguments.of("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400),
                Arguments.of("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", 400),
                Arguments.of("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
                Arguments.of("GET / HTTP/1.1.1\r\nHost: h\r\n\r\n", 505),
                Arguments.of("GET / HTTP/1.2\r\nHost: h\r\n\r\n", 505),
                Arguments.of("\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u01fc\u0003\u0003\r\n\r\n", 400));
    }

    /** What Jetty, the front-ends' server, tolerates, so does the codec (the file server checks targets itself). */
    @ParameterizedTest
    @ValueSource(strings = {"GET  / HTTP/1.1\r\nHost: h\r\n\r\n", "GET / http/1.1\r\nHost: h\r\n\r\n",
        "GET /\u007f HTTP/1.1\r\nHost: h\r\n\r\n"})
    void toleratesWhatJettyTolerates(String request) throws Exception {
        assertThat(parse(request).method()).isEqualTo("GET");
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void rejectsMalformedRequestsAtEverySplitPoint(String request, int status) {
        byte[] input = bytes(request);
        for (int cut = 0; cut <= input.length; cut++) {
            int c = cut;
            assertThatThrownBy(() -> parseAll(input, c))
                    .as("cut at %d", cut)
                    .isInstanceOf(HttpParseException.class)
                    .satisfies(e -> assertThat(((HttpParseException) e).status()).isEqualTo(status));
        }
    }

    @Test
    void refusesHeadsOverTheLimitWith431() {
        String big = "GET / HTTP/1.1\r\nHost: h\r\nX: " + "a".repeat(MAX_HEAD) + "\r\n\r\n";
        assertThatThrownBy(() -> parse(big))
                .isInstanceOf(HttpParseException.class)
                .satisfies(e -> assertThat(((HttpParseException) e).status()).isEqualTo(431));
        StringBuilder many = new StringBuilder("GET / HTTP/1.1\r\nHost: h\r\n");
        for (int i = 0; i < HttpMessageParser.MAX_FIELDS; i++) {
            many.append("X").append(i).append(": v\r\n");
        }
        assertThatThrownBy(() -> parse(many + "\r\n"))
                .satisfies(e -> assertThat(((HttpParseException) e).status()).isEqualTo(431));
    }

    @Test
    void aFailedParserMustBeReset() throws Exception {
        HttpMessageParser parser = HttpMessageParser.forRequests(MAX_HEAD);
        byte[] bad = bytes("BAD\r\n\r\n");
        assertThatThrownBy(() -> parser.feed(bad, 0, bad.length)).isInstanceOf(HttpParseException.class);
        assertThatThrownBy(() -> parser.feed(bad, 0, 1)).isInstanceOf(IllegalStateException.class);
        parser.reset();
        byte[] good = bytes(CURL);
        parser.feed(good, 0, good.length);
        assertThat(parser.isHeadComplete()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 5, 8, 13, 0x5eed})
    void randomBytesNeverCrashTheParser(long seed) throws Exception {
        java.util.Random random = new java.util.Random(seed);
        for (int round = 0; round < 2000; round++) {
            byte[] noise = new byte[random.nextInt(200)];
            random.nextBytes(noise);
            if (random.nextBoolean()) {
                byte[] prefix = bytes("GET / HTTP/1.1\r\n");
                byte[] mixed = new byte[prefix.length + noise.length];
                System.arraycopy(prefix, 0, mixed, 0, prefix.length);
                System.arraycopy(noise, 0, mixed, prefix.length, noise.length);
                noise = mixed;
            }
            HttpMessageParser parser = HttpMessageParser.forRequests(256);
            try {
                int off = 0;
                while (off < noise.length) {
                    int n = parser.feed(noise, off, Math.min(noise.length - off, 1 + random.nextInt(17)));
                    off += n;
                    if (parser.phase() == HttpMessageParser.Phase.BODY) {
                        assertThat(parser.request().method()).isNotEmpty();
                    }
                    if (parser.isComplete()) {
                        parser.reset();
                    }
                }
            } catch (HttpParseException e) {
                assertThat(e.status()).isIn(400, 413, 414, 431, 505);
            }
        }
    }
}
