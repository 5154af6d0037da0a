package org.mtcp.core.internal.cert;

import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.WireWriter;

/**
 * The proof in a HELLO{migrate} (protocol version 5) that its sender holds the connection's
 * {@link BindingKey} K, sealed in the certificate it presents: HMAC-SHA256 under K over
 *
 * <pre>
 * str label ("mtcp/v5 migration proof") | u8 binding kind | blob certificate | blob binding value
 * </pre>
 *
 * where the binding ({@link ChannelBinding}) is the new link's TLS exporter value, or the target
 * server's name. The certificate brings the connection id and epoch, so a proof is good for one
 * epoch: every successful migration makes the proofs made before it stale.
 */
public final class MigrationProof {
    private MigrationProof() {}

    /** Separates these MACs from anything else K might ever authenticate. */
    public static final String LABEL = "mtcp/v5 migration proof";

    /** The bytes the client MACs and the target checks. */
    public static byte[] macInput(byte[] certificate, ChannelBinding binding) {
        WireWriter w = new WireWriter(LABEL.length() + certificate.length + binding.value().length + 8);
        w.string(LABEL).u8(binding.kind().code).blob16(certificate).blob16(binding.value());
        return w.toByteArray();
    }

    public static Frame.Proof prove(BindingKey key, byte[] certificate, ChannelBinding binding) {
        return new Frame.Proof(binding.kind(), key.mac(macInput(certificate, binding)));
    }

    /** Whether {@code proof} is K's over {@code certificate} and {@code binding} (constant-time comparison). */
    public static boolean verify(BindingKey key, byte[] certificate, ChannelBinding binding, Frame.Proof proof) {
        return proof.binding() == binding.kind()
                && Hmac.equal(key.mac(macInput(certificate, binding)), proof.mac());
    }
}
