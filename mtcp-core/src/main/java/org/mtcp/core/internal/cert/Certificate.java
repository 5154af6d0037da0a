package org.mtcp.core.internal.cert;

import java.util.Arrays;
import org.mtcp.core.ConnectionId;
import org.mtcp.core.internal.wire.ProtocolException;
import org.mtcp.core.internal.wire.Wire;
import org.mtcp.core.internal.wire.WireReader;
import org.mtcp.core.internal.wire.WireWriter;

/**
 * A migration certificate: proof, issued by the holder with the pool secret, that its bearer
 * owns connection {@code id} at {@code epoch}, held by {@code holder}, until {@code expiresAt}.
 * Clients treat it as opaque bytes.
 *
 * <p>Layout: {@code u8 version | id (16) | u64 epoch | str holder | u64 expiresAt (ms since the
 * Unix epoch) | [version 2: clientKey (32)] | mac (32)}, the MAC being HMAC-SHA256 under the
 * certificate key over every byte before it. Version 2 is bound to the client's public key
 * ({@link ClientKey}): only a HELLO{migrate} signed with the matching private key may present it
 * ({@link MigrationProof}); version 1 (clients before protocol version 5) is a bearer token.
 *
 * @param clientKey the client's Ed25519 public key (32 bytes), or empty: unbound (version 1)
 */
public record Certificate(ConnectionId id, long epoch, String holder, long expiresAtMillis, byte[] clientKey,
        byte[] mac) {

    /** An unbound certificate: a bearer token (clients before protocol version 5). */
    public static final int VERSION = 1;
    /** A certificate bound to the client's public key. */
    public static final int BOUND_VERSION = 2;

    public Certificate {
        clientKey = clientKey == null ? new byte[0] : clientKey;
        if (clientKey.length != 0 && clientKey.length != ClientKey.PUBLIC_KEY_BYTES) {
            throw new IllegalArgumentException("a client key is " + ClientKey.PUBLIC_KEY_BYTES + " bytes, not "
                    + clientKey.length);
        }
    }

    /** Whether only the holder of {@link #clientKey}'s private key may use this certificate. */
    public boolean bound() {
        return clientKey.length != 0;
    }

    /** The signed part: everything except the MAC. */
    byte[] signedBytes() {
        WireWriter w = new WireWriter(96);
        w.u8(bound() ? BOUND_VERSION : VERSION).i64(id.high()).i64(id.low()).i64(epoch).string(holder)
                .i64(expiresAtMillis).raw(clientKey);
        return w.toByteArray();
    }

    public byte[] encode() {
        WireWriter w = new WireWriter(128);
        w.raw(signedBytes()).raw(mac);
        return w.toByteArray();
    }

    /** Parses a certificate without verifying it. */
    public static Certificate decode(byte[] bytes) throws ProtocolException {
        WireReader r = new WireReader(bytes);
        int version = r.u8("certificate version");
        if (version != VERSION && version != BOUND_VERSION) {
            throw new ProtocolException("certificate version " + version + " is not supported");
        }
        ConnectionId id = new ConnectionId(r.i64("certificate id"), r.i64("certificate id"));
        long epoch = r.offset("certificate epoch");
        String holder = r.string("certificate holder", Wire.MAX_NAME_BYTES);
        long expires = r.i64("certificate expiry");
        byte[] key = version == BOUND_VERSION ? r.raw(ClientKey.PUBLIC_KEY_BYTES, "certificate client key") : new byte[0];
        byte[] mac = r.raw(Hmac.LENGTH, "certificate mac");
        r.end("certificate");
        return new Certificate(id, epoch, holder, expires, key, mac);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Certificate c && id.equals(c.id) && epoch == c.epoch
                && holder.equals(c.holder) && expiresAtMillis == c.expiresAtMillis
                && Arrays.equals(clientKey, c.clientKey) && Arrays.equals(mac, c.mac);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(mac);
    }

    @Override
    public String toString() {
        return "certificate{" + id + ", epoch " + epoch + ", holder " + holder + (bound() ? ", bound" : "") + "}";
    }
}
