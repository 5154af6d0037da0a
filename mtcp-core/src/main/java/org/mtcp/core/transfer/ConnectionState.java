package org.mtcp.core.transfer;

import java.util.Objects;
import org.mtcp.core.ConnectionId;

/**
 * Everything a new holder needs to take a connection over (docs/protocol.md section 5; paper section 3.2): the last
 * application snapshot and the protocol state around it. Offsets are absolute stream positions.
 *
 * <p>Inbound (client to server): the application had consumed {@code inSnap} bytes when it took
 * the snapshot; the holder had received {@code received}; {@code inboundLog} holds
 * {@code [inSnap, received)}, the bytes the new holder's application reads again (replay) before
 * any new byte.
 *
 * <p>Outbound (server to client): the application had written {@code outSnap} bytes at the
 * snapshot; the holder's stream reached {@code written}; the client acknowledged {@code acked};
 * {@code outboundRetention} holds {@code [acked, written)}. The new holder sends it to the client
 * at once and compares it with what its application regenerates from {@code outSnap} on.
 *
 * @param id the connection
 * @param epoch the epoch at which the previous holder held it
 * @param holder the previous holder's name
 * @param snapshot the application's last snapshot (empty if it never exported)
 * @param clientFin offset at which the client's stream ends, or -1 while it is open
 * @param serverFin offset at which the application closed its stream, or -1
 * @param clientWindowEnd the client's last advertised receive window end
 */
public record ConnectionState(
        ConnectionId id,
        long epoch,
        String holder,
        byte[] snapshot,
        long inSnap,
        long received,
        byte[] inboundLog,
        long outSnap,
        long acked,
        long written,
        byte[] outboundRetention,
        long clientFin,
        long serverFin,
        long clientWindowEnd) {

    public ConnectionState {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(holder, "holder");
        Objects.requireNonNull(snapshot, "snapshot");
        Objects.requireNonNull(inboundLog, "inboundLog");
        Objects.requireNonNull(outboundRetention, "outboundRetention");
        check(epoch >= 0, "epoch " + epoch);
        check(inSnap >= 0 && inSnap <= received, "inSnap " + inSnap + " received " + received);
        check(inboundLog.length == received - inSnap,
                "inbound log of " + inboundLog.length + " bytes for [" + inSnap + ", " + received + ")");
        check(acked >= 0 && acked <= written, "acked " + acked + " written " + written);
        check(outSnap >= 0 && outSnap <= written, "outSnap " + outSnap + " written " + written);
        check(outboundRetention.length == written - acked,
                "retention of " + outboundRetention.length + " bytes for [" + acked + ", " + written + ")");
        check(clientFin == -1 || clientFin >= received, "clientFin " + clientFin + " received " + received);
        check(serverFin == -1 || serverFin == written, "serverFin " + serverFin + " written " + written);
        check(clientWindowEnd >= 0, "clientWindowEnd " + clientWindowEnd);
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException("inconsistent connection state: " + what);
        }
    }

    /** Total bytes of snapshot and logs: what a transfer moves. */
    public long sizeInBytes() {
        return (long) snapshot.length + inboundLog.length + outboundRetention.length;
    }

    @Override
    public String toString() {
        return "state{" + id + " epoch " + epoch + " at " + holder + ", snapshot " + snapshot.length
                + " B, in [" + inSnap + ", " + received + "), out snap " + outSnap + " [" + acked
                + ", " + written + ")}";
    }
}
