package org.mtcp.frontend.http;

import java.io.IOException;
import org.mtcp.core.ConnectionResetException;
import org.mtcp.core.MigratedException;
import org.mtcp.core.MtcpServerConnection;
import org.mtcp.frontend.engine.BatchEngine;
import org.mtcp.frontend.engine.BatchOwnership;
import org.mtcp.frontend.engine.ChunkedWriter;
import org.mtcp.frontend.engine.ClientGate;
import org.mtcp.frontend.engine.ClientGoneException;
import org.mtcp.frontend.engine.DatabaseUnavailableException;
import org.mtcp.frontend.engine.Snapshot;
import org.mtcp.frontend.engine.SnapshotExporter;
import org.mtcp.frontend.engine.SupersededException;
import org.mtcp.frontend.jetty.MtcpConnector;
import org.mtcp.frontend.metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accept path of every connection, new or migrated (paper Figure 9's {@code import_state}):
 *
 * <ul>
 *   <li>no snapshot, or {@link Snapshot.Idle}: the connection is between requests; Jetty gets it
 *       and reads the next request from the replayed inbound log;
 *   <li>{@link Snapshot.InBatch}: a batch response was under way. Resume it here, without Jetty:
 *       reconnect, then continue the response with a {@link ChunkedWriter} that produces exactly
 *       the bytes Jetty would have written from the snapshot's position; then export an
 *       {@link Snapshot.Idle} snapshot and give the connection to a fresh Jetty connection
 *       (keep-alive), or close it if the request asked for that;
 *   <li>{@link Snapshot.Ending}: only the summary line and the terminal chunk were left: send
 *       them, then as above;
 *   <li>{@link Snapshot.Replay}: a computed response (health, metrics, a batch's state) was being
 *       written: Jetty reads the stored request again and the handler answers it with the stored
 *       response, so the bytes are the same.
 * </ul>
 */
public final class FrontendConnections implements MtcpConnector.AcceptHandler {

    private static final Logger LOG = LoggerFactory.getLogger(FrontendConnections.class);

    private final BatchEngine engine;
    private final Metrics metrics;

    public FrontendConnections(BatchEngine engine, Metrics metrics) {
        this.engine = engine;
        this.metrics = metrics;
    }

    @Override
    public void accepted(MtcpServerConnection connection, MtcpConnector connector) throws Exception {
        SnapshotExporter exporter = new SnapshotExporter(connection, metrics);
        Snapshot snapshot = Snapshot.decode(connection.importState());
        try {
            switch (snapshot) {
                case null -> connector.open(connection, new HttpConnectionState(exporter, 0));
                case Snapshot.Idle idle -> connector.open(connection, new HttpConnectionState(exporter, idle.ordinal()));
                case Snapshot.Replay replay -> connector.open(connection,
                        new HttpConnectionState(exporter, replay.ordinal(), replay), replay.request());
                case Snapshot.InBatch batch -> {
                    ChunkedWriter writer = new ChunkedWriter(connection.getOutputStream(), batch.lines(), !batch.closeAfter());
                    BatchEngine.Batch resumed;
                    try {
                        ClientGate.awaitClient(connection, engine.frontend(), batch.batchId(), batch.seq());
                        resumed = engine.resume(batch, connection.id().toString(), connection.epoch());
                        engine.run(resumed, batch.seq(), writer, exporter, batch.ordinal(), batch.closeAfter());
                    } catch (DatabaseUnavailableException e) {
                        long owed = connection.bytesToRegenerate();
                        if (owed > 0) {
                            // The previous holder wrote past its snapshot (the line of the transaction
                            // it was committing): without the database those bytes can't be
                            // regenerated, and different ones would corrupt what the client has.
                            // A reset is honest: the client re-posts the batch id, the database decides.
                            LOG.warn("{}: batch {}: the database is unavailable and the {} byte(s) the previous holder wrote "
                                    + "after its snapshot can't be regenerated; resetting the connection (the client "
                                    + "re-posts): {}", engine.frontend(), batch.batchId(), owed, e.getMessage());
                            connection.reset("database unavailable while resuming batch " + batch.batchId()
                                    + ": re-post it");
                            return;
                        }
                        // a resumed response does not move again for a database failure (DatabaseLoss)
                        engine.endUnavailable(batch.batchId(), e, batch.seq(), writer, exporter, batch.ordinal(), batch.closeAfter());
                    } catch (SupersededException e) {
                        if (e.verdict() == BatchOwnership.Verdict.CONNECTION_MOVED_ON) {
                            LOG.debug("{}: {}", engine.frontend(), e.getMessage());
                            metrics.emigrated();
                            return;
                        }
                        // a newer request owns the batch: do not resume; end this response as taken-over
                        engine.endSuperseded(batch.batchId(), e, batch, writer, exporter, batch.ordinal(), batch.closeAfter());
                    }
                    next(connection, connector, exporter, batch.ordinal(), batch.closeAfter());
                }
                case Snapshot.Ending ending -> {
                    ChunkedWriter writer = new ChunkedWriter(connection.getOutputStream(), ending.lines(), !ending.closeAfter());
                    writer.line(ending.line().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    writer.finish();
                    next(connection, connector, exporter, ending.ordinal(), ending.closeAfter());
                }
            }
        } catch (MigratedException e) {
            metrics.emigrated();
            throw e;
        } catch (ClientGoneException | ConnectionResetException e) {
            LOG.info("{}: connection {} epoch {} ends: {}", engine.frontend(), connection.id(), connection.epoch(), e.getMessage());
        }
    }

    private void next(MtcpServerConnection connection, MtcpConnector connector, SnapshotExporter exporter,
            long ordinal, boolean closeAfter) throws IOException {
        if (closeAfter) {
            LOG.debug("{}: resumed response complete; closing as the request asked", engine.frontend());
            connection.close();
            return;
        }
        exporter.export(new Snapshot.Idle(ordinal + 1));
        connector.open(connection, new HttpConnectionState(exporter, ordinal + 1));
    }
}
