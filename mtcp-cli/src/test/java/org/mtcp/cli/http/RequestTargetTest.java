package org.mtcp.cli.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.mtcp.http.HttpParseException;

class RequestTargetTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "/big.bin|big.bin",
        "/a/b/c.txt|a/b/c.txt",
        "//a///b/./c|a/b/c",
        "/a%20b|a b",
        "/caf%C3%A9.txt|caf\u00e9.txt",
        "/x?y=../../etc/passwd|x",
        "/x#frag|x",
        "/|''",
        "http://host:8080/a/b?q|a/b",
        "http://host|''",
        "HTTP://host?q|''",
        "/...|...",
        "/..a/b..|..a/b..",
    })
    void normalisesSafePaths(String target, String expected) throws Exception {
        assertThat(RequestTarget.relativePath(target)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "/../etc/passwd",
        "/a/../../etc/passwd",
        "/a/..",
        "/..",
        "/%2e%2e/etc/passwd",
        "/%2E%2E%2Fetc%2Fpasswd",
        "/a/..%2f..%2fetc",
        "/.%2e/x",
        "/a\\..\\b",
        "/a%5c..%5cb",
        "/a%00b",
        "/%zz",
        "/abc%4",
        "/%c3%28",
        "relative/path",
        "*",
        "http://host/../x",
    })
    void refusesTraversalAndMalformedPaths(String target) {
        assertThatThrownBy(() -> RequestTarget.relativePath(target))
                .isInstanceOf(HttpParseException.class)
                .satisfies(e -> assertThat(((HttpParseException) e).status()).isEqualTo(400));
    }
}
