package org.mtcp.webapp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mtcp.webapp.BankTestData.body;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtcp.webapp.BankTestData.Transfer;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MtcpServer;
import org.mtcp.core.MtcpServerConnection;
import org.mtcp.core.policy.Policies;
import org.mtcp.frontend.FrontendServer;
import org.mtcp.frontend.engine.Hooks;
import org.mtcp.frontend.testing.BatchChecks;
import org.mtcp.frontend.testing.FrontendPool;
import org.mtcp.proxy.EventLog;
import org.mtcp.proxy.MigratoryProxy;
import org.mtcp.proxy.ProxySettings;
import org.mtcp.testkit.pg.LivePostgres;
import org.mtcp.testkit.pg.TestDatabase;

/**
 * Issue #4's end-to-end tests: PostgreSQL, three front-ends on real sockets, the client-side
 * migratory proxy of {@code ./mtcp proxy}, and real HTTP clients through it ({@code java.net.http}
 * and curl) posting batches of 200 bank transfers.
 *
 * <ul>
 *   <li>forced migrations (the front-end asks the client to move, a server-initiated migration,
 *       and waits until it has moved) at random points of the batch, including inside the
 *       response head and between a transaction's snapshot and its COMMIT;
 *   <li>no forced migrations, a front-end slowed down through its admin endpoint, and the
 *       response-time policy in the proxy: the batch leaves the slow front-end by itself;
 *   <li>a re-posted batch id runs nothing twice.
 * </ul>
 *
 * Each time: every transfer is recorded exactly once, money is conserved, every outcome line
 * arrives exactly once and in order, and the lines are the outcomes recorded in the database.
 */
@LivePostgres(extensions = "mtcp")
class BankEndToEndTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final int ACCOUNTS = 20;
    static final long INITIAL = 10_000;
    static final int TRANSFERS = 200;

    static FrontendPool pool;
    static DataSource ds;
    static MigratoryProxy plain;
    static MigratoryProxy policed;
    static final ByteArrayOutputStream policedEvents = new ByteArrayOutputStream();
    static final List<String> hookFailures = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start(TestDatabase db, org.junit.jupiter.api.TestInfo test) throws Exception {
        // the subclass TlsBankEndToEndTest runs every test again over TLS (JUnit runs this for it too)
        startPool(db, test.getTestClass().filter(TlsBankEndToEndTest.class::isAssignableFrom).isPresent());
    }

    /** The front-ends, the accounts and the two proxies; {@code tls}: every link over TLS ({@link TlsBankEndToEndTest}). */
    static void startPool(TestDatabase db, boolean tls) throws Exception {
        pool = tls
                ? FrontendPool.startTls(3, db.jdbcUrl(), db.adminProperties(), BankOperations.registry(),
                        List.of(BankOperations.SCHEMA), c -> c.withReconnectTimeout(Duration.ofSeconds(1)))
                : FrontendPool.start(3, db.jdbcUrl(), db.adminProperties(), BankOperations.registry(),
                        List.of(BankOperations.SCHEMA), c -> c.withReconnectTimeout(Duration.ofSeconds(1)));
        ds = FrontendPool.directDataSource(db.jdbcUrl(), db.adminProperties());
        try (Connection c = ds.getConnection(); PreparedStatement st = c.prepareStatement(
                "INSERT INTO bank.accounts (id, balance) SELECT g, ? FROM generate_series(1, ?) g")) {
            st.setLong(1, INITIAL);
            st.setInt(2, ACCOUNTS);
            st.executeUpdate();
        }
        InetSocketAddress any = new InetSocketAddress("127.0.0.1", 0);
        plain = MigratoryProxy.bind(any, new ProxySettings(pool.addresses(), pool.clientOptions(ClientOptions.defaults()), 16 * 1024, 64),
                new EventLog(System.out));
        plain.serveInBackground();
        policed = MigratoryProxy.bind(any, new ProxySettings(pool.addresses(),
                pool.clientOptions(ClientOptions.defaults().withPolicies(List.of(Policies.parse("response-time:400ms")))),
                16 * 1024, 64),
                new EventLog(new PrintStream(policedEvents, true, StandardCharsets.UTF_8)));
        policed.serveInBackground();
    }

    @AfterAll
    static void stop() throws Exception {
        if (plain != null) {
            plain.close();
        }
        if (policed != null) {
            policed.close();
        }
        if (pool != null) {
            pool.close();
        }
    }

    @AfterEach
    void clearHooks() throws Exception {
        for (FrontendServer fe : pool.frontends()) {
            fe.engine().setHooks(Hooks.NONE);
            fe.slowdown().set(0);
        }
        assertThat(hookFailures).isEmpty();
        assertMoneyIsConserved();
    }

    // ---------------------------------------------------------------------------------------------

    static List<Transfer> transfers(long seed) {
        return BankTestData.transfers(new Random(seed), TRANSFERS, ACCOUNTS);
    }

    record Posted(int status, List<String> lines) {}

    static Posted postWithJavaHttp(MigratoryProxy proxy, String body) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.localAddress().getPort() + "/v1/batches"))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(120))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<java.util.stream.Stream<String>> response = client.send(request, HttpResponse.BodyHandlers.ofLines());
        List<String> lines = response.body().map(l -> l + "\n").toList();
        return new Posted(response.statusCode(), lines);
    }

    static Posted postWithCurl(MigratoryProxy proxy, String body, Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("batch.json"), body);
        Path out = dir.resolve("out.ndjson");
        Process curl = new ProcessBuilder("/usr/bin/curl", "--silent", "--show-error", "--http1.1", "--no-buffer",
                "--fail-with-body", "--max-time", "120", "--write-out", "%{stderr}%{http_code}",
                "-H", "Content-Type: application/json", "--data-binary", "@" + file,
                "-o", out.toString(),
                "http://127.0.0.1:" + proxy.localAddress().getPort() + "/v1/batches")
                .redirectError(ProcessBuilder.Redirect.PIPE)
                .start();
        assertThat(curl.waitFor(150, TimeUnit.SECONDS)).as("curl finished").isTrue();
        String err = new String(curl.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(curl.exitValue()).as("curl exit, stderr: " + err).isZero();
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8).stream().map(l -> l + "\n").toList();
        return new Posted(Integer.parseInt(err.substring(err.length() - 3)), lines);
    }

    /** The exactly-once checks, against the request and the database. */
    static void verify(String id, List<Transfer> requested, Posted posted) throws Exception {
        List<JsonNode> lines = BatchChecks.check(posted.status(), posted.lines(), ds, id, requested.size());
        Set<Integer> committed = new HashSet<>();
        for (JsonNode line : lines) {
            int seq = line.get("seq").asInt();
            Transfer t = requested.get(seq - 1);
            if (line.get("outcome").asText().equals("committed")) {
                committed.add(seq);
                assertThat(line.get("result").get("from").asLong()).isEqualTo(t.from());
                assertThat(line.get("result").get("amount").asLong()).isEqualTo(t.amount());
            } else {
                assertThat(line.get("error").get("code").asText()).isIn("insufficient_funds", "same_account");
            }
        }
        Map<Integer, Integer> recorded = new HashMap<>();
        try (Connection c = ds.getConnection(); PreparedStatement st = c.prepareStatement(
                "SELECT seq, from_account, to_account, amount FROM bank.transfers WHERE batch = ?")) {
            st.setString(1, id);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    int seq = rs.getInt(1);
                    recorded.merge(seq, 1, Integer::sum);
                    Transfer t = requested.get(seq - 1);
                    assertThat(new Transfer(rs.getLong(2), rs.getLong(3), rs.getLong(4))).isEqualTo(t);
                }
            }
        }
        assertThat(recorded.values()).as("every transfer recorded once").allMatch(n -> n == 1);
        assertThat(recorded.keySet()).as("recorded transfers are the committed lines").isEqualTo(committed);
        assertThat(committed.size()).as("a real batch: most transfers go through").isGreaterThan(TRANSFERS / 2);
    }

    static void assertMoneyIsConserved() throws Exception {
        BankTestData.assertMoneyIsConserved(ds, ACCOUNTS, INITIAL);
    }

    /**
     * Hooks that, at each of {@code targets} ("POINT:seq"), ask the client to move and wait until
     * the connection has left this front-end, then let the old front-end go on (into the race).
     */
    static Set<String> forceMigrationsAt(Set<String> targets) {
        Set<String> fired = java.util.concurrent.ConcurrentHashMap.newKeySet();
        for (FrontendServer fe : pool.frontends()) {
            MtcpServer server = pool.mtcp().server(fe.name());
            fe.engine().setHooks((point, frontend, batch, seq, connection) -> {
                String key = point + ":" + seq;
                if (targets.contains(key) && fired.add(key)) {
                    moveAway(server, connection, key);
                }
            });
        }
        return fired;
    }

    static void moveAway(MtcpServer server, MtcpServerConnection connection, String where) {
        long before = server.stats().migratedOut();
        try {
            connection.requestMigration(null);
        } catch (java.io.IOException e) {
            hookFailures.add(where + ": " + e);
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.stats().migratedOut() == before) {
            if (System.nanoTime() > deadline) {
                hookFailures.add(where + ": the client did not move within 10 s");
                return;
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    static Set<String> randomTargets(long seed) {
        Random random = new Random(seed);
        Set<String> targets = new HashSet<>();
        targets.add("AFTER_HEAD:0");                                   // inside the response head's neighbourhood
        targets.add("BEFORE_COMMIT:" + (1 + random.nextInt(60)));      // the paper's race
        targets.add("BEFORE_COMMIT:" + (61 + random.nextInt(60)));
        targets.add("BEFORE_COMMIT:" + (121 + random.nextInt(79)));
        targets.add("BEFORE_SNAPSHOT:" + (1 + random.nextInt(TRANSFERS)));
        targets.add("AFTER_COMMIT:" + (1 + random.nextInt(TRANSFERS)));
        targets.add("AFTER_LINE:" + (1 + random.nextInt(TRANSFERS)));
        targets.add("BEFORE_SUMMARY:" + (TRANSFERS + 1));
        return targets;
    }

    // ---------------------------------------------------------------------------------------------

    @Test
    void javaHttpClientThroughTheProxyWithForcedMigrations() throws Exception {
        List<Transfer> batch = transfers(1);
        Set<String> targets = randomTargets(11);
        targets.add("BEFORE_HEAD:0");
        Set<String> fired = forceMigrationsAt(targets);
        Posted posted = postWithJavaHttp(plain, body("java-forced", batch));
        assertThat(fired).as("every forced migration happened").isEqualTo(targets);
        verify("java-forced", batch, posted);
        Set<String> frontends = new HashSet<>();
        for (String l : posted.lines().subList(0, TRANSFERS)) {
            frontends.add(JSON.readTree(l).get("frontend").asText());
        }
        assertThat(frontends).as("the batch ran on several front-ends").hasSizeGreaterThan(1);
    }

    @Test
    void curlThroughTheProxyWithForcedMigrations(@TempDir Path dir) throws Exception {
        List<Transfer> batch = transfers(2);
        Set<String> targets = randomTargets(22);
        Set<String> fired = forceMigrationsAt(targets);
        Posted posted = postWithCurl(plain, body("curl-forced", batch), dir);
        assertThat(fired).isEqualTo(targets);
        verify("curl-forced", batch, posted);
    }

    @Test
    void theBatchLeavesASlowFrontEndByItself(@TempDir Path dir) throws Exception {
        // s1 is the first address of the pool: a new connection starts there.
        HttpClient admin = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> set = admin.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + plain.localAddress().getPort() + "/admin/slowdown"))
                .header("Authorization", "Bearer " + FrontendPool.ADMIN_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"delayMs\":1500}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(set.statusCode()).isEqualTo(200);
        assertThat(pool.frontend("s1").slowdown().delayMillis()).isEqualTo(1500);

        List<Transfer> batch = transfers(3);
        long t0 = System.nanoTime();
        Posted posted = postWithJavaHttp(policed, body("slow-java", batch));
        long millis = (System.nanoTime() - t0) / 1_000_000;
        verify("slow-java", batch, posted);
        for (String l : posted.lines().subList(0, TRANSFERS)) {
            assertThat(JSON.readTree(l).get("frontend").asText()).as("nothing ran on the slow front-end").isNotEqualTo("s1");
        }
        assertThat(policedEvents.toString(StandardCharsets.UTF_8)).contains("from=s1").contains("reason=response-time");
        assertThat(millis).as("far less than 200 slowed-down lines").isLessThan(60_000);

        List<Transfer> again = transfers(4);
        Posted withCurl = postWithCurl(policed, body("slow-curl", again), dir);
        verify("slow-curl", again, withCurl);
    }

    @Test
    void concurrentBatchesWithRandomMigrations() throws Exception {
        // every front-end asks its client to move at about 3% of the COMMITs, whichever batch it is
        for (FrontendServer fe : pool.frontends()) {
            MtcpServer server = pool.mtcp().server(fe.name());
            fe.engine().setHooks((point, frontend, batch, seq, connection) -> {
                if (point == Hooks.Point.BEFORE_COMMIT && java.util.concurrent.ThreadLocalRandom.current().nextInt(32) == 0) {
                    moveAway(server, connection, batch + ":" + seq);
                }
            });
        }
        int clients = 3;
        List<List<Transfer>> batches = new ArrayList<>();
        List<java.util.concurrent.Future<Posted>> results = new ArrayList<>();
        try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < clients; i++) {
                List<Transfer> batch = transfers(40 + i);
                batches.add(batch);
                String id = "concurrent-" + i;
                results.add(executor.submit(() -> postWithJavaHttp(plain, body(id, batch))));
            }
            for (int i = 0; i < clients; i++) {
                verify("concurrent-" + i, batches.get(i), results.get(i).get(120, TimeUnit.SECONDS));
            }
        }
    }

    @Test
    void aRepostedBatchIdRunsNothingTwice() throws Exception {
        List<Transfer> batch = transfers(5);
        Posted first = postWithJavaHttp(plain, body("reposted", batch));
        verify("reposted", batch, first);
        Posted second = postWithJavaHttp(plain, body("reposted", batch));
        verify("reposted", batch, second);
        assertThat(second.lines()).isEqualTo(first.lines());
    }
}
