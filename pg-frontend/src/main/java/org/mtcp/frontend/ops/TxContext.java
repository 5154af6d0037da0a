package org.mtcp.frontend.ops;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.sql.Connection;

/**
 * What an operation sees while it runs: the JDBC connection of its transaction (auto-commit off,
 * the transaction begun and registered with the {@code mtcp} session: never commit, roll back or
 * change auto-commit on it; throw instead), and where it is in its batch.
 */
public interface TxContext {

    Connection connection();

    String batchId();

    /** 1-based position of the transaction in its batch. */
    int seq();

    /** Name of the front-end running it. */
    String frontend();

    default JsonNodeFactory json() {
        return JsonNodeFactory.instance;
    }
}
