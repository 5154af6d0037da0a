package org.mtcp.frontend.engine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;
import org.mtcp.jdbc.TxId;

/**
 * The front-end's connection snapshot, as exported to the transport: what another front-end
 * needs to continue the connection from the transport's marks at export time.
 *
 * <ul>
 *   <li>{@link Idle}: between requests. The next front-end gives the connection to Jetty, which
 *       reads the next request from the replayed inbound log. {@code ordinal} counts the
 *       requests served (it names generated batch ids deterministically).
 *   <li>{@link InBatch}: inside a batch response whose head has been written (the response
 *       position is after {@code lines} complete chunks). {@code tid}, when set, is the
 *       transaction the front-end was about to COMMIT (Figure 9's {@code state_snap.tid}) and
 *       {@code seq} its position; without it, {@code seq} is the next line to send.
 *   <li>{@link Ending}: about to send the summary line, stored verbatim.
 * </ul>
 *
 * <p>Binary, big-endian: magic {@code 'M' 'F'}, a version, a kind byte, then the fields. No Java
 * serialization; decoding checks every length. Version 2 (mtcp 0.2) adds the timeline of an
 * {@link InBatch}'s tid; every other snapshot is still written as version 1, which front-ends of
 * the previous release read during a rolling upgrade. A version 1 {@link InBatch} (written by such
 * a front-end) carries a bare xid: {@link TxId#unqualified}, which the database takes as its
 * current timeline's transaction, as mtcp 0.1 did (docs/database.md).
 */
public sealed interface Snapshot {

    /** Whether the connection closes after the current response. */
    default boolean closeAfter() {
        return false;
    }

    int MAX_SIZE = 256 * 1024 + 4096;

    long ordinal();

    record Idle(long ordinal) implements Snapshot {}

    /**
     * @param ordinal requests served on this connection before this one
     * @param closeAfter close the connection after the response (the request asked for it)
     * @param batchId the batch
     * @param session the batch's {@code mtcp} session
     * @param seq the transaction about to commit (with tid) or the next line to send (without)
     * @param tid the transaction about to commit, or null
     * @param lines chunks written so far in this response (Jetty prefixes every chunk after the first with CRLF)
     */
    record InBatch(long ordinal, boolean closeAfter, String batchId, long session, int seq, TxId tid, int lines)
            implements Snapshot {
        public InBatch {
            Objects.requireNonNull(batchId);
        }
    }

    /**
     * About to send the batch response's last line ({@code line}, verbatim) and its terminal
     * chunk, after {@code lines} chunks.
     */
    record Ending(long ordinal, boolean closeAfter, String line, int lines) implements Snapshot {
        public Ending {
            Objects.requireNonNull(line);
        }
    }

    /**
     * A complete response computed but not yet written ({@code status}, {@code contentType},
     * {@code body}), to the request {@code request} (its exact bytes, no body): the next front-end
     * has Jetty read that request again and answers it with this response, so it writes the same
     * bytes even though the content (health, metrics, a batch's state) changes over time.
     */
    record Replay(long ordinal, byte[] request, int status, String contentType, byte[] body) implements Snapshot {
        public Replay {
            request = request.clone();
            body = body.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Replay r && r.ordinal == ordinal && java.util.Arrays.equals(r.request, request)
                    && r.status == status && r.contentType.equals(contentType) && java.util.Arrays.equals(r.body, body);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(body);
        }
    }

    /** Largest request plus response a {@link Replay} snapshot carries. */
    int MAX_REPLAY = 256 * 1024;

    byte KIND_IDLE = 1;
    byte KIND_BATCH = 2;
    byte KIND_ENDING = 3;
    byte KIND_REPLAY = 4;

    /** The format without timelines (front-ends of mtcp 0.1), still written when no tid needs one. */
    byte VERSION_1 = 1;
    /** Version 1 plus the timeline of an {@link InBatch}'s tid. */
    byte VERSION_2 = 2;

    static byte[] encode(Snapshot s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            boolean withTimeline = s instanceof InBatch b && b.tid() != null && b.tid().isQualified();
            out.writeByte('M');
            out.writeByte('F');
            out.writeByte(withTimeline ? VERSION_2 : VERSION_1);
            switch (s) {
                case Idle idle -> {
                    out.writeByte(KIND_IDLE);
                    out.writeLong(idle.ordinal());
                }
                case InBatch b -> {
                    out.writeByte(KIND_BATCH);
                    out.writeLong(b.ordinal());
                    out.writeBoolean(b.closeAfter());
                    out.writeUTF(b.batchId());
                    out.writeLong(b.session());
                    out.writeInt(b.seq());
                    out.writeBoolean(b.tid() != null);
                    out.writeLong(b.tid() == null ? 0 : b.tid().xid());
                    if (withTimeline) {
                        out.writeInt((int) b.tid().timeline());     // unsigned 32 bits, as PostgreSQL's TimeLineID
                    }
                    out.writeInt(b.lines());
                }
                case Replay r -> {
                    out.writeByte(KIND_REPLAY);
                    out.writeLong(r.ordinal());
                    out.writeInt(r.request().length);
                    out.write(r.request());
                    out.writeShort(r.status());
                    out.writeUTF(r.contentType());
                    out.writeInt(r.body().length);
                    out.write(r.body());
                }
                case Ending e -> {
                    out.writeByte(KIND_ENDING);
                    out.writeLong(e.ordinal());
                    out.writeBoolean(e.closeAfter());
                    out.writeUTF(e.line());
                    out.writeInt(e.lines());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_REPLAY || n > in.available()) {
            throw new IOException("corrupt front-end snapshot: a field of " + n + " bytes");
        }
        return in.readNBytes(n);
    }

    /** Decodes a snapshot; null for an empty one (a new connection). */
    static Snapshot decode(byte[] bytes) throws IOException {
        if (bytes == null || bytes.length == 0) {
            return null;
        }
        if (bytes.length > MAX_SIZE || bytes.length < 4 || bytes[0] != 'M' || bytes[1] != 'F') {
            throw new IOException("not a front-end snapshot (" + bytes.length + " bytes)");
        }
        byte version = bytes[2];
        if (version != VERSION_1 && version != VERSION_2) {
            throw new IOException("front-end snapshot version " + version + " is not supported");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, 4, bytes.length - 4))) {
            if (version == VERSION_2 && bytes[3] != KIND_BATCH) {
                throw new IOException("corrupt front-end snapshot: version 2 of kind " + bytes[3]);
            }
            Snapshot s = switch (bytes[3]) {
                case KIND_IDLE -> new Idle(in.readLong());
                case KIND_BATCH -> {
                    long ordinal = in.readLong();
                    boolean close = in.readBoolean();
                    String batch = in.readUTF();
                    long session = in.readLong();
                    int seq = in.readInt();
                    boolean hasTid = in.readBoolean();
                    long xid = in.readLong();
                    long timeline = version == VERSION_2 ? Integer.toUnsignedLong(in.readInt()) : TxId.UNQUALIFIED;
                    int lines = in.readInt();
                    if (seq < 1 || lines < 0 || (version == VERSION_2 && (!hasTid || timeline == TxId.UNQUALIFIED))) {
                        throw new IOException("corrupt front-end snapshot: seq " + seq + ", lines " + lines + ", timeline " + timeline);
                    }
                    yield new InBatch(ordinal, close, batch, session, seq, hasTid ? new TxId(timeline, xid) : null, lines);
                }
                case KIND_ENDING -> {
                    long ordinal = in.readLong();
                    boolean close = in.readBoolean();
                    String line = in.readUTF();
                    int lines = in.readInt();
                    if (lines < 0 || line.isEmpty()) {
                        throw new IOException("corrupt front-end snapshot: ending after " + lines + " lines");
                    }
                    yield new Ending(ordinal, close, line, lines);
                }
                case KIND_REPLAY -> {
                    long ordinal = in.readLong();
                    byte[] request = readBytes(in);
                    int status = in.readUnsignedShort();
                    String type = in.readUTF();
                    byte[] body = readBytes(in);
                    if (request.length == 0 || status < 100 || status > 599) {
                        throw new IOException("corrupt front-end snapshot: replay of " + request.length + " bytes, status " + status);
                    }
                    yield new Replay(ordinal, request, status, type, body);
                }
                default -> throw new IOException("unknown front-end snapshot kind " + bytes[3]);
            };
            if (in.available() != 0) {
                throw new IOException("trailing bytes in front-end snapshot");
            }
            return s;
        } catch (java.io.EOFException e) {
            throw new IOException("truncated front-end snapshot", e);
        }
    }
}
