package org.mtcp.testkit.pg;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * PostgreSQL in a Docker container started by Testcontainers (image {@value #DEFAULT_IMAGE}
 * unless {@code MTCP_TEST_PG_IMAGE} names another), tuned like the other sources (fsync off, 300
 * connections). Testcontainers' reaper removes the container when the JVM exits.
 *
 * <p>Extensions are installed the way PGXS's {@code make install} installs a pure-SQL extension,
 * as for the embedded server: their files from the class path ({@link ExtensionBundle}) are
 * copied into the server's {@code SHAREDIR/extension} inside the container (the Docker API writes
 * them as root, so the image's file permissions do not matter).
 */
final class ContainerPostgresServer extends DelegatingPostgresServer {

    static final String DEFAULT_IMAGE = "postgres:17";

    private final PostgreSQLContainer container;
    private final ExtensionInstaller extensions;

    private ContainerPostgresServer(PostgreSQLContainer container) {
        super(new ExternalPostgresServer("jdbc:postgresql://" + container.getHost() + ":"
                + container.getMappedPort(PostgreSQLContainer.POSTGRESQL_PORT) + "/" + container.getDatabaseName()
                + "?user=" + URLEncoder.encode(container.getUsername(), StandardCharsets.UTF_8)
                + "&password=" + URLEncoder.encode(container.getPassword(), StandardCharsets.UTF_8)));
        this.container = container;
        String extensionDir;
        try {
            extensionDir = ExtensionBundle.extensionDirectoryOf(server);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot ask " + server.description() + " for its SHAREDIR", e);
        }
        this.extensions = new ExtensionInstaller(extensionDir + " of " + container.getDockerImageName(),
                (file, content) -> container.copyFileToContainer(Transferable.of(content), extensionDir + "/" + file));
    }

    /** Whether Testcontainers finds a Docker engine (DOCKER_HOST, the local socket, ~/.testcontainers.properties). */
    static boolean dockerReachable() {
        return DockerClientFactory.instance().isDockerAvailable();
    }

    static ContainerPostgresServer start(String image) {
        PostgreSQLContainer container = new PostgreSQLContainer(DockerImageName.parse(image).asCompatibleSubstituteFor("postgres"))
                .withCommand("postgres", "-c", "max_connections=300", "-c", "fsync=off", "-c", "synchronous_commit=off",
                        "-c", "full_page_writes=off");
        container.start();
        return new ContainerPostgresServer(container);
    }

    @Override
    public void ensureExtensionAvailable(String name) {
        extensions.ensureInstalled(name);
    }

    @Override
    public boolean installsExtensionFiles() {
        return true;
    }

    @Override
    public String description() {
        return "PostgreSQL " + majorVersion() + " in container " + container.getDockerImageName() + " at "
                + server.jdbcUrl(maintenanceDatabase());
    }
}
