package org.mtcp.webapp;

import org.mtcp.testkit.FreePorts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mtcp.webapp.BankTestData.body;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtcp.webapp.BankTestData.Transfer;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MigrationEvent;
import org.mtcp.frontend.testing.BatchChecks;
import org.mtcp.frontend.testing.FrontendPool;
import org.mtcp.frontend.testing.FrontendProcess;
import org.mtcp.frontend.testing.HttpExchange;
import org.mtcp.proxy.EventLog;
import org.mtcp.proxy.MigratoryProxy;
import org.mtcp.proxy.ProxySettings;
import org.mtcp.testkit.pg.LivePostgres;
import org.mtcp.testkit.pg.TestDatabase;

/**
 * Issue 10: a rolling restart of a pool of real {@code mtcp frontend} processes under load. Three
 * front-end processes (the bank found on the class path, as the {@code ./mtcp} jar runs it) on
 * one database, the client-side proxy, and 20 clients posting batches of 100 transfers through it
 * on kept-alive connections, without pause; meanwhile each front-end in turn gets SIGTERM (it
 * drains: its clients move to its peers), exits 0 and starts again on the same ports, twice over.
 *
 * <p>Checks: no request failed (every response complete, with its summary); every outcome exactly
 * once (the lines are the database's records, and {@code bank.transfers} has one row per committed
 * (batch, seq), none for an aborted one or for a batch no client posted); money conserved; no
 * drain dropped a connection; and the proxy saw exactly the migrations the drains reported.
 */
@LivePostgres(extensions = "mtcp")
class RollingRestartTest {

    static final int FRONTENDS = 3;
    static final int CLIENTS = 20;
    static final int TRANSFERS = 100;
    static final int ROUNDS = 2;
    static final int ACCOUNTS = 1000;
    static final long INITIAL = 10_000;
    static final Pattern DRAINED = Pattern.compile(
            "front-end (\\S+) drained in (\\d+) ms: (\\d+) of (\\d+) connection\\(s\\) moved to peers, (\\d+) dropped");

    final List<FrontendProcess> running = new CopyOnWriteArrayList<>();
    final List<FrontendProcess> all = new CopyOnWriteArrayList<>();
    MigratoryProxy proxy;

    /** A batch a client posted, and what it got back (null: the request failed, {@code failure} says how). */
    record Posted(String id, List<Transfer> transfers, HttpExchange.Response response, String failure) {}

    /** One drain, from its log line. */
    record Drain(String frontend, long ms, long moved, long held, long dropped) {}

    @AfterEach
    void stopEverything() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        for (FrontendProcess p : all) {
            p.stop();
            // the processes' output, for the test report
            System.out.println("---- output of " + p.name());
            System.out.println(p.output());
        }
    }

    @Test
    void everyFrontEndRestartsTwiceUnderLoadAndNothingIsLostOrRepeated(TestDatabase db, @TempDir Path dir)
            throws Exception {
        String user = db.adminProperties().getProperty("user");
        String password = db.adminProperties().getProperty("password", "");
        DataSource ds = FrontendPool.directDataSource(db.jdbcUrl(), db.adminProperties());

        List<String> names = new ArrayList<>();
        List<Integer> servicePorts = new ArrayList<>();
        StringBuilder poolFile = new StringBuilder(
                "secret hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n");
        for (int i = 1; i <= FRONTENDS; i++) {
            int service = FreePorts.reserve();
            names.add("fe" + i);
            servicePorts.add(service);
            poolFile.append("server fe").append(i).append(" 127.0.0.1:").append(service)
                    .append(" 127.0.0.1:").append(FreePorts.reserve()).append('\n');
        }
        Path pool = Files.writeString(dir.resolve("pool.conf"), poolFile);
        List<String> args = List.of("--reconnect-timeout", "1s", "--drain-timeout", "20s");
        // a restarted front-end finds the schemas migrated: it only checks them (a faster start)
        List<String> restartArgs = java.util.stream.Stream.concat(args.stream(), java.util.stream.Stream.of("--no-migrate"))
                .toList();

        // the first front-end creates the schemas (Flyway), the others then start together
        for (int i = 0; i < FRONTENDS; i++) {
            running.add(startFrontend(pool, names.get(i), db.jdbcUrl(), user, password, args));
            if (i == 0) {
                awaitReady(running.get(0), servicePorts.get(0));
            }
        }
        for (int i = 1; i < FRONTENDS; i++) {
            awaitReady(running.get(i), servicePorts.get(i));
        }
        openAccounts(ds, ACCOUNTS, INITIAL);

        List<InetSocketAddress> addresses = servicePorts.stream().map(p -> new InetSocketAddress("127.0.0.1", p)).toList();
        proxy = MigratoryProxy.bind(new InetSocketAddress("127.0.0.1", 0),
                new ProxySettings(addresses, ClientOptions.defaults(), 16 * 1024, 64), EventLog.discard());
        List<MigrationEvent> migrations = new CopyOnWriteArrayList<>();
        proxy.addMigrationListener((connection, event) -> migrations.add(event));
        proxy.serveInBackground();

        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger completed = new AtomicInteger();
        List<Posted> posted = new CopyOnWriteArrayList<>();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            clients.add(Thread.ofPlatform().name("client-" + c).start(
                    () -> postBatchesUntil(stop, client, proxy.localAddress(), posted, completed)));
        }

        List<Drain> drains = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            for (int i = 0; i < FRONTENDS; i++) {
                // the clients are busy: some batches completed since the last restart
                int before = completed.get();
                await("batches completing before restarting " + names.get(i)).atMost(Duration.ofSeconds(60))
                        .until(() -> completed.get() >= before + CLIENTS / 2 || failed(posted));
                assertThat(failures(posted)).as("failed requests").isEmpty();

                FrontendProcess old = running.get(i);
                long t0 = System.nanoTime();
                assertThat(old.terminate(Duration.ofSeconds(40))).as(names.get(i) + "'s exit code after SIGTERM\n"
                        + old.output()).isZero();
                drains.add(drainOf(old));
                long t1 = System.nanoTime();
                running.set(i, startFrontend(pool, names.get(i), db.jdbcUrl(), user, password, restartArgs));
                awaitReady(running.get(i), servicePorts.get(i));
                System.out.printf("restart of %s: %s; exited %d ms after SIGTERM, ready again %d ms later; %d batches so far%n",
                        names.get(i), drains.getLast(), (t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000,
                        completed.get());
            }
        }
        int before = completed.get();
        await("batches completing after the last restart").atMost(Duration.ofSeconds(60))
                .until(() -> completed.get() >= before + CLIENTS / 2 || failed(posted));
        stop.set(true);
        for (Thread t : clients) {
            t.join(Duration.ofSeconds(120));
            assertThat(t.isAlive()).as(t.getName() + " finished its last batch").isFalse();
        }

        System.out.println("rolling restart: " + posted.size() + " batches, drains " + drains);
        assertThat(failures(posted)).as("failed requests").isEmpty();
        assertThat(posted).hasSizeGreaterThanOrEqualTo(CLIENTS);
        assertThat(drains).hasSize(ROUNDS * FRONTENDS);
        assertThat(drains).as("no drain dropped a connection").allMatch(d -> d.dropped() == 0);
        long moved = drains.stream().mapToLong(Drain::moved).sum();
        assertThat(moved).as("the drains moved the clients' connections").isGreaterThanOrEqualTo(CLIENTS);
        await("the proxy has seen every migration the drains reported").atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(migrations).hasSize((int) moved));
        assertThat(migrations).as("every migration succeeded").allMatch(MigrationEvent::succeeded);
        assertThat(migrations).as("server-initiated").allMatch(e -> e.reason().startsWith("server-request"));

        assertEveryOutcomeExactlyOnce(ds, posted, TRANSFERS);
        BankTestData.assertMoneyIsConserved(ds, ACCOUNTS, INITIAL);
    }

    // ------------------------------------------------------------------------------------------

    FrontendProcess startFrontend(Path pool, String name, String url, String user, String password, List<String> args)
            throws Exception {
        FrontendProcess p = FrontendProcess.start(pool, name, url, user, password, args);
        all.add(p);
        return p;
    }

    static void awaitReady(FrontendProcess p, int port) {
        p.awaitLine("frontend " + p.name() + " listening on 127.0.0.1:" + port);
        FrontendProcess.awaitHealthy(port, Duration.ofSeconds(60));
    }

    static Drain drainOf(FrontendProcess p) {
        Matcher m = DRAINED.matcher(p.output());
        assertThat(m.find()).as(p.name() + " logged its drain:\n" + p.output()).isTrue();
        return new Drain(m.group(1), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)), Long.parseLong(m.group(4)),
                Long.parseLong(m.group(5)));
    }

    static void openAccounts(DataSource ds, int accounts, long initial) throws Exception {
        try (Connection c = ds.getConnection(); PreparedStatement st = c.prepareStatement(
                "INSERT INTO bank.accounts (id, balance) SELECT g, ? FROM generate_series(1, ?) g")) {
            st.setLong(1, initial);
            st.setInt(2, accounts);
            st.executeUpdate();
        }
    }

    /**
     * One client: one kept-alive connection to the proxy, batches posted one after the other until
     * {@code stop}; a failed request is recorded and ends the client.
     */
    static void postBatchesUntil(AtomicBoolean stop, int client, InetSocketAddress proxy, List<Posted> posted,
            AtomicInteger completed) {
        Random random = new Random(client);
        try (Socket socket = new Socket(proxy.getAddress(), proxy.getPort())) {
            socket.setSoTimeout(60_000);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            for (int n = 1; !stop.get(); n++) {
                String id = "rr-c" + client + "-b" + n;
                List<Transfer> transfers = BankTestData.transfers(random, TRANSFERS, ACCOUNTS);
                try {
                    HttpExchange.Response r = HttpExchange.exchange(in, out,
                            HttpExchange.post("/v1/batches", body(id, transfers)), null);
                    posted.add(new Posted(id, transfers, r, null));
                    completed.incrementAndGet();
                } catch (Exception e) {
                    posted.add(new Posted(id, transfers, null, e.toString()));
                    return;
                }
            }
        } catch (Exception e) {
            posted.add(new Posted("rr-c" + client + "-connect", List.of(), null, e.toString()));
        }
    }

    static boolean failed(List<Posted> posted) {
        return !failures(posted).isEmpty();
    }

    static List<String> failures(List<Posted> posted) {
        return posted.stream().filter(p -> p.failure() != null).map(p -> p.id() + ": " + p.failure()).toList();
    }

    /**
     * Each response is complete and equals the database's outcome records (BatchChecks), and
     * {@code bank.transfers} holds exactly one row per committed (batch, seq), with the transfer
     * asked for, and nothing else.
     */
    static void assertEveryOutcomeExactlyOnce(DataSource ds, List<Posted> posted, int transactions) throws Exception {
        Map<String, Set<Integer>> committedByBatch = new HashMap<>();
        Map<String, List<Transfer>> requested = new HashMap<>();
        for (Posted p : posted) {
            List<JsonNode> lines = BatchChecks.check(p.response(), ds, p.id(), transactions);
            Set<Integer> committed = new HashSet<>();
            for (JsonNode line : lines) {
                if (line.get("outcome").asText().equals("committed")) {
                    committed.add(line.get("seq").asInt());
                } else {
                    assertThat(line.get("error").get("code").asText()).isIn("insufficient_funds", "same_account");
                }
            }
            committedByBatch.put(p.id(), committed);
            requested.put(p.id(), p.transfers());
        }
        Map<String, Map<Integer, Integer>> rows = new HashMap<>();
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT batch, seq, from_account, to_account, amount FROM bank.transfers")) {
            while (rs.next()) {
                String batch = rs.getString(1);
                int seq = rs.getInt(2);
                assertThat(requested).as("a transfer of a batch no client got an answer for: " + batch).containsKey(batch);
                assertThat(new Transfer(rs.getLong(3), rs.getLong(4), rs.getLong(5)))
                        .isEqualTo(requested.get(batch).get(seq - 1));
                rows.computeIfAbsent(batch, b -> new HashMap<>()).merge(seq, 1, Integer::sum);
            }
        }
        for (Map.Entry<String, Set<Integer>> e : committedByBatch.entrySet()) {
            Map<Integer, Integer> recorded = rows.getOrDefault(e.getKey(), Map.of());
            assertThat(recorded.values()).as(e.getKey() + ": every transfer recorded once").allMatch(n -> n == 1);
            assertThat(recorded.keySet()).as(e.getKey() + ": the recorded transfers are the committed lines")
                    .isEqualTo(e.getValue());
        }
    }
}
