package org.mtcp.core.internal.cert;

import org.mtcp.core.internal.wire.Frame;
import org.mtcp.core.internal.wire.WireWriter;

/**
 * The proof in a HELLO{migrate} (protocol version 5) that its sender holds the private key its
 * bound certificate names: an Ed25519 signature, by the client's {@link ClientKey}, over
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

    /** Separates these signatures from anything else the key might ever sign. */
    public static final String LABEL = "mtcp/v5 migration proof";

    /** The bytes the client signs and the target verifies. */
    public static byte[] signedBytes(byte[] certificate, ChannelBinding binding) {
        WireWriter w = new WireWriter(LABEL.length() + certificate.length + binding.value().length + 8);
        w.string(LABEL).u8(binding.kind().code).blob16(certificate).blob16(binding.value());
        return w.toByteArray();
    }

    public static Frame.Proof sign(ClientKey key, byte[] certificate, ChannelBinding binding) {
        return new Frame.Proof(binding.kind(), key.sign(signedBytes(certificate, binding)));
    }

    /** Whether {@code proof} is {@code clientKey}'s over {@code certificate} and {@code binding}. */
    public static boolean verify(byte[] clientKey, byte[] certificate, ChannelBinding binding, Frame.Proof proof) {
        return proof.binding() == binding.kind()
                && ClientKey.verify(clientKey, signedBytes(certificate, binding), proof.signature());
    }
}
