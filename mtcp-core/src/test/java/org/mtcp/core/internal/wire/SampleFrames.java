package org.mtcp.core.internal.wire;

import java.util.ArrayList;
import java.util.List;
import org.mtcp.core.ConnectionId;

/** At least one frame of every type, with edge values, for the codec tests. */
final class SampleFrames {
    private SampleFrames() {}

    static List<Frame> all() {
        ConnectionId id = new ConnectionId(0x0123456789abcdefL, -1L);
        byte[] cert = new byte[90];
        for (int i = 0; i < cert.length; i++) {
            cert[i] = (byte) (i * 7);
        }
        byte[] payload = new byte[300];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (i ^ 0x5a);
        }
        List<Frame> frames = new ArrayList<>();
        byte[] key = new byte[Wire.CLIENT_KEY_BYTES];
        byte[] signature = new byte[Wire.PROOF_SIGNATURE_BYTES];
        for (int i = 0; i < signature.length; i++) {
            signature[i] = (byte) (255 - i);
            key[i % key.length] = (byte) (i * 3);
        }
        frames.add(Frame.Hello.newConnection(1 << 20, 1 << 20, 1000, key));
        for (Frame.ProofBinding binding : Frame.ProofBinding.values()) {
            frames.add(new Frame.Hello(Wire.BOUND_CERTIFICATE_VERSION, Frame.HelloKind.MIGRATE, 4096, 5, 1 << 20, 50,
                    id, 7, cert, 3).withProof(new Frame.Proof(binding, signature)));
        }
        frames.add(new Frame.Hello(Wire.VERSION, Frame.HelloKind.MIGRATE, 4096, 123_456_789_012L,
                Long.MAX_VALUE, 50, id, 7, cert));
        frames.add(new Frame.Hello(Wire.ACKED_IN_HELLO_VERSION, Frame.HelloKind.MIGRATE, 4096, 123_456_789_012L,
                Long.MAX_VALUE, 50, id, 7, cert, 987_654_321L));
        frames.add(new Frame.Welcome(Wire.VERSION, id, 8, "s2", cert, 99, 1 << 23, 1 << 20, 1000,
                List.of(new Frame.Peer("s1", "127.0.0.1", 7001), new Frame.Peer("s2", "::1", 65535),
                        new Frame.Peer("ünïcode", "host.example", 1))));
        frames.add(new Frame.Welcome(Wire.VERSION, id, 0, "only", new byte[0], 0, 0, 1024, 1, List.of()));
        frames.add(new Frame.Data(0, new byte[] {42}));
        frames.add(new Frame.Data(Long.MAX_VALUE - payload.length, payload));
        frames.add(new Frame.Ack(10, 5, 1 << 30, 0));
        frames.add(new Frame.Ack(10, 10, 10, Frame.Ack.FIN_RECEIVED));
        frames.add(new Frame.Ack(10, 10, 10, Frame.Ack.FIN_RECEIVED | Frame.Ack.REPLICATED));
        frames.add(new Frame.Fin(0));
        frames.add(new Frame.Fin(1L << 40));
        frames.add(new Frame.Close());
        frames.add(new Frame.Ping(-1));
        frames.add(new Frame.Pong(Long.MIN_VALUE));
        frames.add(new Frame.Reset(ResetCode.NON_DETERMINISTIC_REPLAY, "non-deterministic replay at 12", ""));
        frames.add(new Frame.Reset(ResetCode.STALE_CERTIFICATE, "", "s3"));
        frames.add(new Frame.MigrateRequest("", "drain"));
        frames.add(new Frame.MigrateRequest("s2", ""));
        frames.add(new Frame.Cert(cert));
        frames.add(new Frame.Cert(cert, List.of(new Frame.Peer("s1", "127.0.0.1", 7001),
                new Frame.Peer("s3-new", "fe3.example", 65535))));
        frames.add(new Frame.Cert(new byte[0], List.of(new Frame.Peer("ünïcode", "::1", 1))));
        frames.add(new Frame.Hello(Wire.VERSION, Frame.HelloKind.NEW, 1024, 0, 1, 1, null, 0, new byte[0]));
        return frames;
    }
}
