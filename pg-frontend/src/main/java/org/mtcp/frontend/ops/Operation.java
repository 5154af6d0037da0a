package org.mtcp.frontend.ops;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.SQLException;
import java.util.List;

/**
 * A named transaction program that batches refer to: {@code {"op": name, "args": {...}}}.
 *
 * <p>The engine calls {@link #execute} inside a database transaction it has begun for the batch's
 * session; it commits, exports the snapshot and reports the outcome itself, so an operation only
 * does its work and returns its result. To abort (a business rule failed), throw {@link
 * OperationFailure}; a {@link SQLException} (a constraint, say) aborts too, with the SQLSTATE as
 * the error code. Either way the transaction is rolled back (nothing the operation wrote stays),
 * its {@code aborted} outcome is recorded, and the batch goes on; a deadlock or serialization
 * failure runs the whole transaction again first.
 *
 * <p>Operations must be deterministic functions of the arguments and the database: after a
 * migration, a transaction whose commit did not happen is run again on another front-end.
 */
public interface Operation {

    String name();

    /** The declared arguments; a request whose arguments don't match is refused before anything runs. */
    List<Param> params();

    /** Does the work; returns the result reported to the client (null for none). */
    JsonNode execute(TxContext tx, Arguments args) throws SQLException, OperationFailure;
}
