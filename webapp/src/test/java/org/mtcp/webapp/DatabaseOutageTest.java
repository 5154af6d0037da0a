package org.mtcp.webapp;

import org.mtcp.testkit.FreePorts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mtcp.webapp.BankTestData.body;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MigrationEvent;
import org.mtcp.core.policy.Policies;
import org.mtcp.frontend.testing.FrontendPool;
import org.mtcp.frontend.testing.FrontendProcess;
import org.mtcp.frontend.testing.HttpExchange;
import org.mtcp.proxy.EventLog;
import org.mtcp.proxy.MigratoryProxy;
import org.mtcp.proxy.ProxySettings;
import org.mtcp.testkit.TcpProxy;
import org.mtcp.testkit.pg.LivePostgres;
import org.mtcp.testkit.pg.TestDatabase;
import org.mtcp.webapp.BankTestData.Transfer;

/**
 * Issue 11, point 1, as an operator sees it: three {@code mtcp frontend} processes whose database
 * goes away for 20 s (every connection to it reset, new ones refused: the relay in front of it,
 * the project's fault injector), clients posting batches through the proxy with the demo's policy
 * ({@code response-time:1s}). Every request gets an answer within the threshold plus a margin
 * (a 503, or the batch's error line and summary), the connections do not migrate in a storm,
 * and when the database is back every batch completes once re-posted, each transfer exactly once.
 */
@LivePostgres(extensions = "mtcp")
class DatabaseOutageTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final int FRONTENDS = 3;
    static final int CLIENTS = 6;
    static final int TRANSFERS = 20;
    static final int ACCOUNTS = 200;
    static final long INITIAL = 10_000;
    static final Duration OUTAGE = Duration.ofSeconds(20);
    static final Duration THRESHOLD = Duration.ofSeconds(1);
    /** Generous on a loaded 2-core machine; the failure it guards against is no answer at all. */
    static final Duration ANSWER_BOUND = THRESHOLD.plusSeconds(4);
    static final Pattern JDBC_URL = Pattern.compile("jdbc:postgresql://([^:/]+):(\\d+)/([^?]+)(\\?.*)?");

    final List<FrontendProcess> processes = new CopyOnWriteArrayList<>();
    MigratoryProxy proxy;
    TcpProxy database;

    /** One request and its answer (null with {@code failure} when there was none), timed. */
    record Exchange(String id, List<Transfer> transfers, HttpExchange.Response response, String failure,
            long sentNanos, long answeredNanos) {
        Duration took() {
            return Duration.ofNanos(answeredNanos - sentNanos);
        }

        String summaryStatus() throws Exception {
            List<String> lines = response.lines();
            if (response.status() != 200 || lines.isEmpty()) {
                return "http-" + response.status();
            }
            return JSON.readTree(lines.get(lines.size() - 1)).path("status").asText();
        }
    }

    @AfterEach
    void stopEverything() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        for (FrontendProcess p : processes) {
            p.stop();
            // the processes' output, for the test report
            System.out.println("---- output of " + p.name());
            System.out.println(p.output());
        }
        if (database != null) {
            database.close();
        }
    }

    @Test
    void aDatabaseOutageIsAnsweredQuicklyWithoutAStormAndNothingIsLost(TestDatabase db, @TempDir Path dir)
            throws Exception {
        Matcher url = JDBC_URL.matcher(db.jdbcUrl());
        assertThat(url.matches()).as(db.jdbcUrl()).isTrue();
        database = TcpProxy.start(new InetSocketAddress(url.group(1), Integer.parseInt(url.group(2))));
        String viaRelay = "jdbc:postgresql://127.0.0.1:" + database.address().getPort() + "/" + url.group(3)
                + (url.group(4) == null ? "" : url.group(4));
        DataSource direct = FrontendPool.directDataSource(db.jdbcUrl(), db.adminProperties());

        List<Integer> ports = new ArrayList<>();
        StringBuilder poolFile = new StringBuilder(
                "secret hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n");
        for (int i = 1; i <= FRONTENDS; i++) {
            int service = FreePorts.reserve();
            ports.add(service);
            poolFile.append("server fe").append(i).append(" 127.0.0.1:").append(service)
                    .append(" 127.0.0.1:").append(FreePorts.reserve()).append('\n');
        }
        Path pool = Files.writeString(dir.resolve("pool.conf"), poolFile);
        List<String> args = List.of("--reconnect-timeout", "1s", "--db-timeout", "500ms", "--client-threshold", "1s");
        String user = db.adminProperties().getProperty("user");
        String password = db.adminProperties().getProperty("password", "");
        for (int i = 0; i < FRONTENDS; i++) {
            processes.add(FrontendProcess.start(pool, "fe" + (i + 1), viaRelay, user, password, args));
            RollingRestartTest.awaitReady(processes.get(i), ports.get(i));   // the first one migrates the schemas
        }
        RollingRestartTest.openAccounts(direct, ACCOUNTS, INITIAL);

        List<InetSocketAddress> addresses = ports.stream().map(p -> new InetSocketAddress("127.0.0.1", p)).toList();
        ClientOptions policy = ClientOptions.defaults().withPolicies(List.of(Policies.parse("response-time:" + THRESHOLD.toMillis() + "ms")));
        proxy = MigratoryProxy.bind(new InetSocketAddress("127.0.0.1", 0),
                new ProxySettings(addresses, policy, 16 * 1024, 64), EventLog.discard());
        List<MigrationEvent> migrations = new CopyOnWriteArrayList<>();
        proxy.addMigrationListener((connection, event) -> migrations.add(event));
        proxy.serveInBackground();

        AtomicBoolean stop = new AtomicBoolean();
        List<Exchange> exchanges = new CopyOnWriteArrayList<>();
        AtomicInteger answered = new AtomicInteger();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            clients.add(Thread.ofPlatform().name("client-" + c).start(
                    () -> postUntil(stop, client, proxy.localAddress(), exchanges, answered)));
        }
        int warm = answered.get();
        await("batches before the outage").atMost(Duration.ofSeconds(60)).until(() -> answered.get() >= warm + CLIENTS);

        long cut = System.nanoTime();
        database.setRefuse(true);
        database.resetAll();
        await("the outage lasts " + OUTAGE).atMost(OUTAGE.plusSeconds(5)).pollInterval(Duration.ofMillis(200))
                .until(() -> System.nanoTime() - cut >= OUTAGE.toNanos());
        long restored = System.nanoTime();
        database.setRefuse(false);
        int afterRestore = answered.get();
        await("complete batches once the database is back").atMost(Duration.ofSeconds(60))
                .until(() -> completedSince(exchanges, restored) >= CLIENTS);
        stop.set(true);
        for (Thread t : clients) {
            t.join(Duration.ofSeconds(60));
            assertThat(t.isAlive()).as(t.getName() + " stopped").isFalse();
        }

        assertThat(exchanges).as("every request got an answer").allMatch(e -> e.failure() == null);
        // Sent while the database was down and not within a database timeout of its return: a
        // request sent just before may wait for a connection (500 ms) and get one, rightly.
        long lastRefused = restored - Duration.ofSeconds(1).toNanos();
        List<Exchange> duringOutage = exchanges.stream()
                .filter(e -> e.sentNanos() >= cut && e.sentNanos() < lastRefused).toList();
        assertThat(duringOutage).as("requests sent while the database was down").isNotEmpty();
        for (Exchange e : duringOutage) {
            assertThat(e.took()).as(e.id() + " answered within the threshold plus a margin").isLessThan(ANSWER_BOUND);
            assertThat(e.summaryStatus()).as(e.id() + " during the outage").isIn("http-503", "database_unavailable");
        }
        long overlapping = exchanges.stream().filter(e -> e.answeredNanos() >= cut && e.sentNanos() < restored).count();
        // A database failure moves a response at most once (DatabaseLoss); the policy's own moves are
        // bounded per request (MigrationLimits, 3 without progress): the issue saw 107 for one request.
        assertThat(migrations.size()).as("migrations during the outage (no storm)")
                .isLessThanOrEqualTo(4 * (int) overlapping);
        System.out.printf("outage: %d requests during it (slowest %d ms), %d migrations, %d answered after it%n",
                duringOutage.size(), duringOutage.stream().mapToLong(e -> e.took().toMillis()).max().orElse(0),
                migrations.size(), answered.get() - afterRestore);

        // Every batch a client did not see complete is re-posted by its id once the database is back:
        // it completes, and each transfer ran exactly once whatever the outage interrupted.
        List<RollingRestartTest.Posted> finals = new ArrayList<>();
        try (Socket socket = new Socket("127.0.0.1", proxy.localAddress().getPort())) {
            socket.setSoTimeout(60_000);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            for (Exchange e : latestPerBatch(exchanges)) {
                HttpExchange.Response r = e.response();
                if (!e.summaryStatus().equals("complete")) {
                    r = HttpExchange.exchange(in, out, HttpExchange.post("/v1/batches", body(e.id(), e.transfers())), null);
                    assertThat(new Exchange(e.id(), e.transfers(), r, null, 0, 0).summaryStatus())
                            .as(e.id() + " re-posted after the outage").isEqualTo("complete");
                }
                finals.add(new RollingRestartTest.Posted(e.id(), e.transfers(), r, null));
            }
        }
        RollingRestartTest.assertEveryOutcomeExactlyOnce(direct, finals, TRANSFERS);
        BankTestData.assertMoneyIsConserved(direct, ACCOUNTS, INITIAL);
    }

    static long completedSince(List<Exchange> exchanges, long since) {
        return exchanges.stream().filter(e -> e.sentNanos() >= since).filter(e -> {
            try {
                return e.failure() == null && e.summaryStatus().equals("complete");
            } catch (Exception x) {
                return false;
            }
        }).count();
    }

    /** The last exchange of each batch id (a batch is re-posted by its client until it completes). */
    static List<Exchange> latestPerBatch(List<Exchange> exchanges) {
        java.util.Map<String, Exchange> last = new java.util.LinkedHashMap<>();
        for (Exchange e : exchanges) {
            last.put(e.id(), e);
        }
        return new ArrayList<>(last.values());
    }

    /**
     * One client on one kept-alive connection through the proxy: a batch, then the next; a batch
     * that did not complete (a 503 or a database_unavailable summary) is re-posted by its id after
     * a short pause, as a client should. An exchange without an answer is recorded and ends it.
     */
    static void postUntil(AtomicBoolean stop, int client, InetSocketAddress proxy, List<Exchange> exchanges,
            AtomicInteger answered) {
        Random random = new Random(client);
        try (Socket socket = new Socket(proxy.getAddress(), proxy.getPort())) {
            socket.setSoTimeout(60_000);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            int n = 1;
            String id = "out-c" + client + "-b" + n;
            List<Transfer> transfers = BankTestData.transfers(random, TRANSFERS, ACCOUNTS);
            while (!stop.get()) {
                long sent = System.nanoTime();
                HttpExchange.Response r;
                try {
                    r = HttpExchange.exchange(in, out, HttpExchange.post("/v1/batches", body(id, transfers)), null);
                } catch (Exception e) {
                    exchanges.add(new Exchange(id, transfers, null, e.toString(), sent, System.nanoTime()));
                    return;
                }
                Exchange x = new Exchange(id, transfers, r, null, sent, System.nanoTime());
                exchanges.add(x);
                answered.incrementAndGet();
                if (x.summaryStatus().equals("complete")) {
                    n++;
                    id = "out-c" + client + "-b" + n;
                    transfers = BankTestData.transfers(random, TRANSFERS, ACCOUNTS);
                } else {
                    Thread.sleep(250); // a client's back-off before re-posting the same batch id
                }
            }
        } catch (Exception e) {
            exchanges.add(new Exchange("out-c" + client + "-connect", List.of(), null, e.toString(), 0, 0));
        }
    }
}
