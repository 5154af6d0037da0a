package org.mtcp.core.internal.wire;

/** Protocol constants shared by the service protocol and the control plane. */
public final class Wire {
    private Wire() {}

    /**
     * The control plane's version, and the oldest service protocol version a server still speaks
     * (HELLO and WELCOME of version 1 have the same layout as version 2).
     */
    public static final int VERSION = 1;

    /**
     * The service protocol version this code speaks: what a client sends in HELLO. Version 2 adds
     * the peer list to CERT; a server answers each client in the version of its HELLO and sends
     * the peer list in CERT only to version-2 clients, so version-1 clients keep working.
     * Version 3 adds the standby HELLO ({@link #STANDBY_VERSION}); its other frames are version 2's.
     * Version 4 adds the client's {@code acked} to HELLO{migrate} ({@link #ACKED_IN_HELLO_VERSION})
     * and the ACK flag {@code REPLICATED} (sent to version 4 clients only). Version 5 binds the
     * certificates to a key of the client ({@link #BOUND_CERTIFICATE_VERSION}).
     */
    public static final int SERVICE_VERSION = 5;

    /**
     * The first service version whose HELLO{new} carries the client's public key (certificates
     * are bound to it) and whose HELLO{migrate} carries the proof that the sender holds it
     * (docs/protocol.md, section 3).
     */
    public static final int BOUND_CERTIFICATE_VERSION = 5;

    /** Bytes of a client's public key on the wire (Ed25519). */
    public static final int CLIENT_KEY_BYTES = 32;

    /** Bytes of a migration proof's signature (Ed25519). */
    public static final int PROOF_SIGNATURE_BYTES = 64;

    /**
     * The first service version whose HELLO{migrate} carries the client's acknowledged position
     * (a target may then resume from its replica without asking the holder: docs/protocol.md 10).
     */
    public static final int ACKED_IN_HELLO_VERSION = 4;

    /** The first service version with the standby link (HELLO kind 2, docs/protocol.md). */
    public static final int STANDBY_VERSION = 3;

    /** The first service version whose CERT frames may carry the pool's peer list. */
    public static final int CERT_PEERS_VERSION = 2;

    /** Bytes of the length prefix that starts every frame. */
    public static final int LENGTH_BYTES = 4;

    /** Bytes of a connection id on the wire. */
    public static final int CID_BYTES = 16;

    /** Longest server name, host name or certificate holder, in UTF-8 bytes. */
    public static final int MAX_NAME_BYTES = 255;

    /** Longest human-readable message (RESET, MIGRATE_REQUEST reason), in UTF-8 bytes. */
    public static final int MAX_MESSAGE_BYTES = 4096;

    /** Largest certificate accepted anywhere. */
    public static final int MAX_CERTIFICATE_BYTES = 1024;

    /** Most peers a WELCOME or CERT may list. */
    public static final int MAX_PEERS = 256;

    /** Largest encoded peer in a peer list: name and host strings, port. */
    public static final int MAX_PEER_BYTES = 2 + MAX_NAME_BYTES + 2 + MAX_NAME_BYTES + 2;

    /** Smallest frame size limit anyone may configure: a frame must fit a useful handshake. */
    public static final int MIN_MAX_FRAME_SIZE = 1024;

    /** Largest DATA payload a sender puts in one frame, whatever the peer would accept. */
    public static final int PREFERRED_DATA_PAYLOAD = 64 * 1024;
}
