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

    public static String readAscii(InputStream in, int n) throws IOException {
        return new String(readExactly(in, n), StandardCharsets.US_ASCII);
    }
}
