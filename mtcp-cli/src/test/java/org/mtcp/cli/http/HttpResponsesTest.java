package org.mtcp.cli.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mtcp.http.HttpField;
import org.mtcp.http.HttpVersion;

class HttpResponsesTest {

    @Test
    void writesDeterministicHeads() {
        byte[] a = HttpResponses.head(200, List.of(new HttpField("Content-Type", "application/octet-stream")),
                1234, HttpVersion.HTTP_1_1, true);
        assertThat(new String(a, StandardCharsets.ISO_8859_1)).isEqualTo(
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 1234\r\n\r\n");
        assertThat(new String(HttpResponses.head(200, List.of(), 0, HttpVersion.HTTP_1_0, true),
                StandardCharsets.ISO_8859_1)).contains("Connection: keep-alive\r\n");
        byte[] error = HttpResponses.error(404, "no such file", HttpVersion.HTTP_1_1, false, false, List.of());
        assertThat(new String(error, StandardCharsets.ISO_8859_1)).isEqualTo(
                "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 28\r\n"
                        + "Connection: close\r\n\r\n404 Not Found: no such file\n");
        assertThat(HttpResponses.error(404, "x", HttpVersion.HTTP_1_1, true, true, List.of()))
                .isEqualTo(HttpResponses.head(404, List.of(new HttpField("Content-Type", "text/plain; charset=utf-8")),
                        17, HttpVersion.HTTP_1_1, true));
    }
}
