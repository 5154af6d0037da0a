package org.mtcp.frontend.engine;

/**
 * Test points of the engine: fault-injection tests force migrations at exact places (between
 * the snapshot and COMMIT, inside the response head, ...). Production uses {@link #NONE}.
 */
@FunctionalInterface
public interface Hooks {

    enum Point {
        /** The batch is stored, the response head not written yet. */
        BEFORE_HEAD,
        /** The head is written, snapshot #0 not exported yet. */
        AFTER_HEAD,
        /** The transaction's work is done and its line made, its snapshot not exported yet (the record goes with COMMIT). */
        BEFORE_SNAPSHOT,
        /** The snapshot is exported, the outcome record and COMMIT not sent yet (the paper's race). */
        BEFORE_COMMIT,
        /** COMMIT is done, the line not written yet. */
        AFTER_COMMIT,
        /** The line is written. */
        AFTER_LINE,
        /** The summary's snapshot is exported, the summary not written yet. */
        BEFORE_SUMMARY,
        /** A computed response (health, metrics, batch state) is in its snapshot, not written yet ({@code batch} is the path). */
        BEFORE_REPLAYABLE_RESPONSE
    }

    Hooks NONE = (point, frontend, batch, seq, connection) -> { };

    /**
     * Called on the thread serving the batch; may block. {@code connection} is the client's
     * connection (a test can ask the client to move: {@code requestMigration}).
     */
    void at(Point point, String frontend, String batch, int seq, org.mtcp.core.MtcpServerConnection connection)
            throws java.io.IOException;
}
