package org.mtcp.cli.fileserver;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The application state of one file-server connection: what the paper's Figure 4 calls
 * {@code state_snap}, extended for HTTP/1.1 keep-alive. It is exported after every chunk of a
 * body (and at each request boundary), and imported by the server that takes the connection over.
 *
 * <p>Fields:
 * <ul>
 *   <li>{@link #phase}: waiting for a request ({@link Phase#IDLE}), in the middle of a response
 *       body ({@link Phase#BODY}), or about to close ({@link Phase#CLOSING});
 *   <li>{@link #requestIndex}: how many requests of the connection came before the current one;
 *   <li>{@link #requestStart}: position in the inbound stream of the first byte of the current
 *       request (BODY) or of the next one (IDLE), for logs;
 *   <li>{@link #pendingPosition} and {@link #pending}: inbound bytes the server has read but not
 *       yet parsed (pipelined requests), and the stream position of the first of them. The
 *       transport replays only the bytes read <em>after</em> the export, so bytes read before it
 *       must travel in the snapshot;
 *   <li>BODY only: {@link #path} (relative to the served directory, so servers may keep their
 *       copies in different places), {@link #fileLength} (as announced by Content-Length, to
 *       detect a different file on the new server), {@link #offset} (next byte of the file to
 *       send), and {@link #keepAlive};
 *   <li>padding, to make the snapshot a given size (the paper's section 5 experiment compares
 *       snapshot sizes).
 * </ul>
 *
 * <p>Encoding: big-endian, {@code "MFS"} + version byte 1, then the fields in the order above;
 * strings and byte arrays are length-prefixed; the decoder checks every length and rejects
 * trailing bytes. No Java serialization.
 *
 * @param phase where the connection is
 * @param requestIndex requests before the current one
 * @param requestStart inbound stream position of the current request (see above)
 * @param pendingPosition inbound stream position of the first pending byte
 * @param pending read but unparsed inbound bytes
 * @param path relative file path (BODY), else empty
 * @param fileLength file length (BODY), else 0
 * @param offset next file byte to send (BODY), else 0
 * @param keepAlive whether the connection stays open after this response (BODY)
 */
public record FileSnapshot(
        Phase phase,
        long requestIndex,
        long requestStart,
        long pendingPosition,
        byte[] pending,
        String path,
        long fileLength,
        long offset,
        boolean keepAlive) {

    /** Where a connection stands. */
    public enum Phase { IDLE, BODY, CLOSING }

    static final byte[] MAGIC = {'M', 'F', 'S', 1};
    /** Limits of the decoder: the pending bytes and the path are bounded by the request head limit. */
    static final int MAX_PENDING = 1 << 20;
    static final int MAX_PATH = 1 << 16;
    static final int MAX_PADDING = 64 << 20;

    public FileSnapshot {
        pending = pending.clone();
    }

    public static FileSnapshot idle(long requestIndex, long position, byte[] pending) {
        return new FileSnapshot(Phase.IDLE, requestIndex, position, position, pending, "", 0, 0, true);
    }

    public static FileSnapshot closing(long requestIndex, long position) {
        return new FileSnapshot(Phase.CLOSING, requestIndex, position, position, new byte[0], "", 0, 0, false);
    }

    public static FileSnapshot body(long requestIndex, long requestStart, long pendingPosition,
            byte[] pending, String path, long fileLength, long offset, boolean keepAlive) {
        return new FileSnapshot(Phase.BODY, requestIndex, requestStart, pendingPosition, pending, path,
                fileLength, offset, keepAlive);
    }

    @Override
    public byte[] pending() {
        return pending.clone();
    }

    /** Encodes, padded with zero bytes to at least {@code minSize} bytes. */
    public byte[] encode(int minSize) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(Math.max(64, minSize));
            DataOutputStream out = new DataOutputStream(bytes);
            out.write(MAGIC);
            out.writeByte(phase.ordinal());
            out.writeLong(requestIndex);
            out.writeLong(requestStart);
            out.writeLong(pendingPosition);
            out.writeInt(pending.length);
            out.write(pending);
            byte[] pathBytes = path.getBytes(StandardCharsets.UTF_8);
            out.writeInt(pathBytes.length);
            out.write(pathBytes);
            out.writeLong(fileLength);
            out.writeLong(offset);
            out.writeBoolean(keepAlive);
            int padding = Math.max(0, minSize - (out.size() + 4));
            out.writeInt(padding);
            out.write(new byte[padding]);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Decodes a snapshot; anything malformed is an {@link IllegalArgumentException}. */
    public static FileSnapshot decode(byte[] snapshot) {
        ByteBuffer in = ByteBuffer.wrap(snapshot);
        try {
            byte[] magic = new byte[MAGIC.length];
            in.get(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new IllegalArgumentException("not a file-server snapshot (bad magic or version)");
            }
            int phaseOrdinal = in.get();
            if (phaseOrdinal < 0 || phaseOrdinal >= Phase.values().length) {
                throw new IllegalArgumentException("bad phase " + phaseOrdinal);
            }
            Phase phase = Phase.values()[phaseOrdinal];
            long requestIndex = nonNegative(in.getLong(), "request index");
            long requestStart = nonNegative(in.getLong(), "request start");
            long pendingPosition = nonNegative(in.getLong(), "pending position");
            if (pendingPosition < requestStart) {
                throw new IllegalArgumentException("pending bytes before the request start");
            }
            byte[] pending = bytes(in, MAX_PENDING, "pending bytes");
            String path = new String(bytes(in, MAX_PATH, "path"), StandardCharsets.UTF_8);
            long fileLength = nonNegative(in.getLong(), "file length");
            long offset = nonNegative(in.getLong(), "offset");
            if (offset > fileLength) {
                throw new IllegalArgumentException("offset beyond file length");
            }
            byte keepAlive = in.get();
            if (keepAlive != 0 && keepAlive != 1) {
                throw new IllegalArgumentException("bad keep-alive flag");
            }
            int padding = in.getInt();
            if (padding < 0 || padding > MAX_PADDING || padding != in.remaining()) {
                throw new IllegalArgumentException("bad padding length");
            }
            if (phase == Phase.BODY && path.isEmpty()) {
                throw new IllegalArgumentException("body snapshot without a path");
            }
            return new FileSnapshot(phase, requestIndex, requestStart, pendingPosition, pending, path,
                    fileLength, offset, keepAlive == 1);
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated snapshot", e);
        }
    }

    private static long nonNegative(long v, String what) {
        if (v < 0) {
            throw new IllegalArgumentException("negative " + what);
        }
        return v;
    }

    private static byte[] bytes(ByteBuffer in, int max, String what) {
        int n = in.getInt();
        if (n < 0 || n > max || n > in.remaining()) {
            throw new IllegalArgumentException("bad length of " + what + ": " + n);
        }
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FileSnapshot s && phase == s.phase && requestIndex == s.requestIndex
                && requestStart == s.requestStart && pendingPosition == s.pendingPosition
                && java.util.Arrays.equals(pending, s.pending)
                && path.equals(s.path) && fileLength == s.fileLength && offset == s.offset
                && keepAlive == s.keepAlive;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(phase, requestIndex, requestStart, pendingPosition, java.util.Arrays.hashCode(pending),
                path, fileLength, offset, keepAlive);
    }

    @Override
    public String toString() {
        return switch (phase) {
            case IDLE -> "idle request=" + requestIndex + " pending=" + pending.length + "B";
            case CLOSING -> "closing request=" + requestIndex;
            case BODY -> "body request=" + requestIndex + " path=/" + path + " offset=" + offset + "/" + fileLength;
        };
    }
}
