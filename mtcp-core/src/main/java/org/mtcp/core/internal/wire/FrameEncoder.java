package org.mtcp.core.internal.wire;

import org.mtcp.core.ConnectionId;

/** Encoder of the service protocol: the exact inverse of {@link FrameDecoder}. */
public final class FrameEncoder {
    private FrameEncoder() {}

    /** Header bytes in front of a DATA payload: length, type, offset. */
    public static final int DATA_HEADER_BYTES = Wire.LENGTH_BYTES + 1 + 8;

    public static byte[] encode(Frame frame) {
        WireWriter w = new WireWriter(64);
        encodeInto(w, frame);
        return w.toByteArray();
    }

    /** Appends {@code frame} to {@code w} (a link's send buffer, or a fresh writer). */
    public static void encodeInto(WireWriter w, Frame frame) {
        int start = w.size();
        w.u32(0).u8(frame.type().code);
        switch (frame) {
            case Frame.Hello h -> {
                w.u8(h.version()).u8(h.kind().code).u32(h.maxFrameSize()).i64(h.next())
                        .i64(h.windowEnd()).u32(h.keepaliveMillis());
                boolean bound = Frame.Hello.carriesBinding(h.version(), h.kind());
                if (h.kind() == Frame.HelloKind.NEW) {
                    if (bound) {
                        w.blob16(h.clientKey());
                    }
                } else {
                    id(w, h.id());
                    w.i64(h.epoch()).blob16(h.certificate());
                    if (Frame.Hello.carriesAcked(h.version(), h.kind())) {
                        w.i64(Math.max(0, h.acked()));
                    }
                    if (bound) {
                        if (h.proof() == null) {
                            throw new IllegalStateException("a version " + h.version()
                                    + " HELLO{migrate} is signed for its link before it is sent");
                        }
                        w.u8(h.proof().binding().code).blob16(h.proof().signature());
                    }
                }
            }
            case Frame.Welcome m -> {
                w.u8(m.version());
                id(w, m.id());
                w.i64(m.epoch()).string(m.server()).blob16(m.certificate()).i64(m.received())
                        .i64(m.windowEnd()).u32(m.maxFrameSize()).u32(m.keepaliveMillis());
                peers(w, m.peers());
            }
            case Frame.Data d -> w.i64(d.offset()).raw(d.payload());
            case Frame.Ack a -> w.i64(a.received()).i64(a.stable()).i64(a.windowEnd()).u8(a.flags());
            case Frame.Fin f -> w.i64(f.offset());
            case Frame.Close c -> { }
            case Frame.Ping p -> w.i64(p.nonce());
            case Frame.Pong p -> w.i64(p.nonce());
            case Frame.Reset r -> w.u16(r.code().code).string(truncate(r.message(), Wire.MAX_MESSAGE_BYTES))
                    .string(r.hint());
            case Frame.MigrateRequest m -> w.string(m.target())
                    .string(truncate(m.reason(), Wire.MAX_MESSAGE_BYTES));
            case Frame.Cert c -> {
                w.blob16(c.certificate());
                if (!c.peers().isEmpty()) {
                    peers(w, c.peers());
                }
            }
        }
        w.patchU32(start, w.size() - start - Wire.LENGTH_BYTES);
    }

    /**
     * Appends a DATA frame's header for a payload of {@code len} bytes and returns where the
     * payload goes in {@code w.array()}: the caller copies it there straight from its buffer.
     */
    public static int dataInto(WireWriter w, long offset, int len) {
        w.u32(1 + 8 + (long) len).u8(FrameType.DATA.code).i64(offset);
        return w.reserve(len);
    }

    /** Appends a DATA frame's header only: its {@code len} payload bytes follow on the wire. */
    public static void dataHeaderInto(WireWriter w, long offset, int len) {
        w.u32(1 + 8 + (long) len).u8(FrameType.DATA.code).i64(offset);
    }

    /** Appends an ACK frame without a {@link Frame.Ack} record (the hot path's other frame). */
    public static void ackInto(WireWriter w, long received, long stable, long windowEnd, int flags) {
        w.u32(1 + 8 + 8 + 8 + 1).u8(FrameType.ACK.code).i64(received).i64(stable).i64(windowEnd).u8(flags);
    }

    /** A DATA frame straight from a slice of a buffer, without an intermediate record. */
    public static byte[] encodeData(long offset, byte[] src, int off, int len) {
        WireWriter w = new WireWriter(DATA_HEADER_BYTES + len);
        w.u32(1 + 8 + len).u8(FrameType.DATA.code).i64(offset).raw(src, off, len);
        return w.toByteArray();
    }

    /** A peer list: {@code u16 n}, n × (name, host, port); in WELCOME and (version 2) CERT. */
    private static void peers(WireWriter w, java.util.List<Frame.Peer> peers) {
        w.u16(peers.size());
        for (Frame.Peer p : peers) {
            w.string(p.name()).string(p.host()).u16(p.port());
        }
    }

    static void id(WireWriter w, ConnectionId id) {
        w.i64(id.high()).i64(id.low());
    }

    /** Cuts a message to fit its field (messages are for humans; never fail on a long one). */
    public static String truncate(String s, int maxBytes) {
        if (s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= maxBytes) {
            return s;
        }
        String t = s.substring(0, Math.min(s.length(), maxBytes / 4));
        return t + "...";
    }
}
