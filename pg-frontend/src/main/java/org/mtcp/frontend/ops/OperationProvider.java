package org.mtcp.frontend.ops;

import java.util.Collection;

/**
 * A set of Java operations that {@code ./mtcp frontend} finds on its class path
 * ({@link java.util.ServiceLoader}: list the implementation in
 * {@code META-INF/services/org.mtcp.frontend.ops.OperationProvider}), with the Flyway location of
 * the schema they work on, if any.
 */
public interface OperationProvider {

    Collection<Operation> operations();

    /** The application schema the operations use, migrated at start-up; null for none. */
    default org.mtcp.frontend.FrontendConfig.AppSchema schema() {
        return null;
    }
}
