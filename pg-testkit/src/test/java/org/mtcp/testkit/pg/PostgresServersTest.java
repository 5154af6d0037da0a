package org.mtcp.testkit.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.mtcp.testkit.pg.PostgresServers.Source;

/** The choice of the test databases' source, from the settings alone (no server is started). */
final class PostgresServersTest {

    private static final String URL = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";
    private static final BooleanSupplier DOCKER = () -> true;
    private static final BooleanSupplier NO_DOCKER = () -> false;
    private static final BooleanSupplier NOT_ASKED = () -> {
        throw new AssertionError("Docker was looked for although testcontainers was not asked for");
    };

    private static UnaryOperator<String> settings(String... namesAndValues) {
        Map<String, String> map = new java.util.HashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            map.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return map::get;
    }

    @Test
    void embeddedByDefaultExternalWhenAUrlIsGiven() {
        assertThat(PostgresServers.choose(settings(), NOT_ASKED)).isEqualTo(Source.EMBEDDED);
        assertThat(PostgresServers.choose(settings("MTCP_TEST_PG_URL", URL), NOT_ASKED)).isEqualTo(Source.EXTERNAL);
    }

    @Test
    void eachSourceByName() {
        assertThat(PostgresServers.choose(settings("MTCP_TEST_PG", "embedded"), NOT_ASKED)).isEqualTo(Source.EMBEDDED);
        assertThat(PostgresServers.choose(settings("MTCP_TEST_PG", "external", "MTCP_TEST_PG_URL", URL), NOT_ASKED))
                .isEqualTo(Source.EXTERNAL);
        assertThat(PostgresServers.choose(settings("MTCP_TEST_PG", "debian-15"), NOT_ASKED)).isEqualTo(Source.DEBIAN_15);
        assertThat(PostgresServers.choose(settings("MTCP_TEST_PG", " Testcontainers "), DOCKER))
                .isEqualTo(Source.TESTCONTAINERS);
    }

    @Test
    void anExplicitSourceWinsOverTheUrl() {
        assertThat(PostgresServers.choose(settings("MTCP_TEST_PG", "debian-15", "MTCP_TEST_PG_URL", URL), NOT_ASKED))
                .isEqualTo(Source.DEBIAN_15);
        assertThat(PostgresServers.choose(settings("MTCP_TEST_PG", "embedded", "MTCP_TEST_PG_URL", URL), NOT_ASKED))
                .isEqualTo(Source.EMBEDDED);
    }

    @Test
    void testcontainersWithoutADockerEngineSaysSo() {
        assertThatThrownBy(() -> PostgresServers.choose(settings("MTCP_TEST_PG", "testcontainers"), NO_DOCKER))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no Docker engine is reachable")
                .hasMessageContaining("MTCP_TEST_PG=embedded");
    }

    @Test
    void externalWithoutAUrlSaysWhatIsMissing() {
        assertThatThrownBy(() -> PostgresServers.choose(settings("MTCP_TEST_PG", "external"), NOT_ASKED))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("MTCP_TEST_PG=external needs MTCP_TEST_PG_URL");
    }

    @Test
    void anUnknownSourceListsTheKnownOnes() {
        assertThatThrownBy(() -> PostgresServers.choose(settings("MTCP_TEST_PG", "docker"), NOT_ASKED))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("MTCP_TEST_PG=docker names no source")
                .hasMessageContaining("[embedded, external, debian-15, testcontainers]");
    }
}
