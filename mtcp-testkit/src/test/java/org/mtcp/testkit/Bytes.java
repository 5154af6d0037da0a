package org.mtcp.testkit;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Small stream helpers for tests. */
public final class Bytes {
    private Bytes() {}

    public static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Reads exactly {@code n} bytes (fails on EOF before). */
    public static byte[] readExactly(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new EOFException("EOF after " + b.length + " of " + n + " bytes");
        }
        return b;
    }

    /**
     * Asserts two byte arrays are equal, reporting the first difference instead of dumping
     * both arrays.
     */
    public static void assertSameBytes(byte[] actual, byte[] expected) {
        int n = Math.min(actual.length, expected.length);
        int diff = java.util.Arrays.mismatch(actual, expected);
        if (diff >= 0) {
            throw new AssertionError(diff < n
                    ? "bytes differ at offset " + diff + " (of " + actual.length + " actual, " + expected.length + " expected)"
                    : "lengths differ: " + actual.length + " actual, " + expected.length + " expected");
        }
    }

    public static String readAscii(InputStream in, int n) throws IOException {
        return new String(readExactly(in, n), StandardCharsets.US_ASCII);
    }
}
