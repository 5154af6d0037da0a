package org.mtcp.webapp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedInputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSocket;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mtcp.core.ClientOptions;
import org.mtcp.core.MigrationEvent;
import org.mtcp.core.MtcpSocket;
import org.mtcp.core.tls.TlsConfig;
import org.mtcp.core.tls.TlsFiles;
import org.mtcp.frontend.testing.FrontendPool;
import org.mtcp.frontend.testing.FrontendProcess;
import org.mtcp.frontend.testing.HttpExchange;
import org.mtcp.proxy.EventLog;
import org.mtcp.proxy.MigratoryProxy;
import org.mtcp.proxy.ProxySettings;
import org.mtcp.testkit.FreePorts;
import org.mtcp.testkit.TestPki;
import org.mtcp.testkit.pg.LivePostgres;
import org.mtcp.testkit.pg.TestDatabase;
import org.mtcp.webapp.RollingRestartTest.Posted;

/**
 * Issue 16: a server key and the pool secret replaced while batches run. Three real {@code mtcp
 * frontend} processes over TLS ({@code --tls-cert}/{@code --tls-key}, the pool file's {@code trust
 * file:} line), each asking its client to move to a peer before about one COMMIT in 16
 * ({@link MigratingFrontend}: migrations all along, each a new TLS link to the peer and a mutual-TLS
 * control fetch authenticated by the secret), the client-side proxy trusting the CA, and clients
 * posting batches of 100 transfers through it on kept-alive connections, without pause. Meanwhile:
 *
 * <ol>
 *   <li>each front-end's key and certificate files are overwritten with newly issued ones (a new
 *       key, a new serial): two are picked up by the front-ends' file watchers, the third by
 *       SIGHUP; a TLS probe of each service port then sees the new certificate. For one, a
 *       {@code POST /admin/pool} between the chain and its key is refused (400, the reason) and
 *       the certificate in use stays;
 *   <li>the pool secret is rotated in the three phases of docs/cli.md (the pool file rewritten with
 *       {@code previous-secret ... until}), each front-end reloading by {@code POST /admin/pool}
 *       or SIGHUP, one after the other, batches completing and clients migrating between every
 *       two reloads (so between front-ends in different phases).
 * </ol>
 *
 * Checks: no request failed, every outcome exactly once (lines = the database's records, one
 * {@code bank.transfers} row per committed line), money conserved, every migration succeeded.
 */
@LivePostgres(extensions = "mtcp")
class KeyAndSecretRotationTest {

    static final int FRONTENDS = 3;
    static final int CLIENTS = 6;

    final List<FrontendProcess> processes = new CopyOnWriteArrayList<>();
    MigratoryProxy proxy;

    @AfterEach
    void stopEverything() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        for (FrontendProcess p : processes) {
            p.stop();
            System.out.println("---- output of " + p.name());
            System.out.println(p.output());
        }
    }

    @Test
    void keysAndSecretChangeUnderLoadAndNoRequestFails(TestDatabase db, @TempDir Path dir) throws Exception {
        String user = db.adminProperties().getProperty("user");
        String password = db.adminProperties().getProperty("password", "");
        DataSource ds = FrontendPool.directDataSource(db.jdbcUrl(), db.adminProperties());

        TestPki pki = TestPki.create("rotation-ca");
        Path ca = pki.writeCaPem(dir);
        TlsConfig trust = TlsConfig.load(TlsFiles.trustOnly(ca));
        ClientOptions client = ClientOptions.defaults().withTls(trust);

        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        String oldSecret = HexFormat.of().formatHex(secret);
        new SecureRandom().nextBytes(secret);
        String newSecret = HexFormat.of().formatHex(secret);
        String until = Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS).toString();

        List<String> names = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        StringBuilder servers = new StringBuilder();
        for (int i = 1; i <= FRONTENDS; i++) {
            names.add("fe" + i);
            ports.add(FreePorts.reserve());
            servers.append("server fe").append(i).append(" 127.0.0.1:").append(ports.getLast())
                    .append(" 127.0.0.1:").append(FreePorts.reserve()).append('\n');
        }
        String members = servers + "trust file:" + ca.getFileName() + "\n";
        Path pool = dir.resolve("pool.conf");
        replace(pool, "secret hex:" + oldSecret + "\n" + members);

        List<X509Certificate> first = new ArrayList<>();
        for (int i = 0; i < FRONTENDS; i++) {
            String name = names.get(i);
            Path keys = Files.createDirectory(dir.resolve(name));
            TestPki.Issued issued = pki.issue(name);
            first.add(issued.certificate());
            Path[] pem = issued.writePem(keys);
            List<String> args = List.of("--tls-cert", pem[0].toString(), "--tls-key", pem[1].toString(),
                    "--reconnect-timeout", "1s");
            processes.add(FrontendProcess.start(MigratingFrontend.class.getName(), false, pool, name, db.jdbcUrl(), user,
                    password, args));
            if (i == 0) {
                awaitReady(processes.getFirst(), ports.getFirst(), client);   // it migrates the schemas alone
            }
        }
        for (int i = 0; i < FRONTENDS; i++) {
            String line = awaitReady(processes.get(i), ports.get(i), client);
            assertThat(line).as("the start-up line names the links").contains("links=TLS1.3 certificate=\"CN=" + names.get(i))
                    .contains("serial=" + first.get(i).getSerialNumber().toString(16));
            assertThat(probe(trust, ports.get(i)).getSerialNumber()).isEqualTo(first.get(i).getSerialNumber());
        }
        RollingRestartTest.openAccounts(ds, RollingRestartTest.ACCOUNTS, RollingRestartTest.INITIAL);

        List<InetSocketAddress> addresses = ports.stream().map(p -> new InetSocketAddress("127.0.0.1", p)).toList();
        proxy = MigratoryProxy.bind(new InetSocketAddress("127.0.0.1", 0),
                new ProxySettings(addresses, client, 16 * 1024, 64), EventLog.discard());
        List<MigrationEvent> migrations = new CopyOnWriteArrayList<>();
        proxy.addMigrationListener((connection, event) -> migrations.add(event));
        proxy.serveInBackground();

        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger completed = new AtomicInteger();
        List<Posted> posted = new CopyOnWriteArrayList<>();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int n = c;
            clients.add(Thread.ofPlatform().name("client-" + c).start(
                    () -> RollingRestartTest.postBatchesUntil(stop, n, proxy.localAddress(), posted, completed)));
        }
        Progress progress = new Progress(completed, migrations, posted);
        progress.await("load before the rotations");

        // (a) every front-end's key and certificate replaced: fe1 and fe2 by their file watchers, fe3 by SIGHUP
        for (int i = 0; i < FRONTENDS; i++) {
            String name = names.get(i);
            FrontendProcess p = processes.get(i);
            TestPki.Issued next = pki.issue(name);
            assertThat(next.certificate().getSerialNumber()).isNotEqualTo(first.get(i).getSerialNumber());
            long reloadsBefore = count(p.output(), "TLS keys reloaded from");
            Path staged = Files.createDirectory(dir.resolve(name + "-next"));
            Path[] pem = next.writePem(staged);
            // the chain, then the key, each renamed into place (a poll between the two sees a mismatch: it keeps
            // the keys in use and loads both at the next poll)
            Files.move(pem[0], dir.resolve(name).resolve(name + ".crt"), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            if (i == 1) {
                // a reload asked for in between is refused with the reason, and the keys in use stay
                HttpExchange.Response refused = postAdminPool(ports.get(i), client);
                assertThat(refused.status()).as(refused.bodyText()).isEqualTo(400);
                assertThat(refused.bodyText()).contains("the TLS keys were not reloaded (the keys in use and the pool stay)");
                assertThat(probe(trust, ports.get(i)).getSerialNumber()).isEqualTo(first.get(i).getSerialNumber());
            }
            Files.move(pem[1], dir.resolve(name).resolve(name + ".key"), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            if (i == FRONTENDS - 1) {
                signal(p, "HUP");
            }
            int port = ports.get(i);
            await(name + " serving its new certificate").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                    .until(() -> probe(trust, port).getSerialNumber().equals(next.certificate().getSerialNumber()));
            assertThat(count(p.output(), "TLS keys reloaded from")).as(name + " logged the reload").isGreaterThan(reloadsBefore);
            progress.await("load after " + name + "'s new key");
        }

        // (b) the pool secret, in three phases; every front-end reloads one after the other, batches and
        // migrations going on between every two reloads (so across front-ends in different phases)
        String[] phases = {
            "secret hex:" + oldSecret + "\nprevious-secret hex:" + newSecret + " until " + until + "\n",
            "secret hex:" + newSecret + "\nprevious-secret hex:" + oldSecret + " until " + until + "\n",
            "secret hex:" + newSecret + "\n"};
        for (int phase = 0; phase < phases.length; phase++) {
            replace(pool, phases[phase] + members);
            for (int i = 0; i < FRONTENDS; i++) {
                reloadPool(processes.get(i), ports.get(i), client, i == 1);
                progress.await("load after phase " + (phase + 1) + " on " + names.get(i));
            }
        }

        stop.set(true);
        for (Thread t : clients) {
            t.join(Duration.ofSeconds(120));
            assertThat(t.isAlive()).as(t.getName() + " finished its last batch").isFalse();
        }
        System.out.println("rotation: " + posted.size() + " batches, " + migrations.size() + " migrations");
        assertThat(RollingRestartTest.failures(posted)).as("failed requests").isEmpty();
        assertThat(migrations).as("every migration succeeded").allMatch(MigrationEvent::succeeded);
        for (FrontendProcess p : processes) {
            assertThat(p.output()).as(p.name() + " refused nobody's secret").doesNotContain("made with none of the pool's secrets");
        }
        RollingRestartTest.assertEveryOutcomeExactlyOnce(ds, posted, RollingRestartTest.TRANSFERS);
        BankTestData.assertMoneyIsConserved(ds, RollingRestartTest.ACCOUNTS, RollingRestartTest.INITIAL);
    }

    /**
     * Batches complete (two more) and clients migrate (two more), or a request failed: the test
     * then fails with it. Enough to show that the load goes on across each change; more only
     * costs CI time.
     */
    record Progress(AtomicInteger completed, List<MigrationEvent> migrations, List<Posted> posted) {
        void await(String what) {
            int batches = completed.get();
            int moved = migrations.size();
            org.awaitility.Awaitility.await(what).atMost(Duration.ofSeconds(60))
                    .until(() -> (completed.get() >= batches + 2 && migrations.size() >= moved + 2)
                            || RollingRestartTest.failed(posted));
            assertThat(RollingRestartTest.failures(posted)).as("failed requests (" + what + ")").isEmpty();
        }
    }

    /** Reloads {@code p}'s pool file (and keys): {@code POST /admin/pool}, or SIGHUP; waits until it is done. */
    static void reloadPool(FrontendProcess p, int port, ClientOptions client, boolean bySignal) throws Exception {
        long before = count(p.output(), "pool reloaded from");
        if (bySignal) {
            signal(p, "HUP");
        } else {
            HttpExchange.Response r = postAdminPool(port, client);
            assertThat(r.status()).as("POST /admin/pool on %s: %s", p.name(), r.bodyText()).isEqualTo(200);
        }
        await(p.name() + " reloaded its pool file").atMost(Duration.ofSeconds(20))
                .until(() -> count(p.output(), "pool reloaded from") > before);
    }

    /** {@code POST /admin/pool} with the admin token, on a TLS connection of its own to the front-end on {@code port}. */
    static HttpExchange.Response postAdminPool(int port, ClientOptions client) throws Exception {
        try (MtcpSocket s = MtcpSocket.connect(List.of(new InetSocketAddress("127.0.0.1", port)), client.withFailover(false))) {
            return HttpExchange.exchange(new BufferedInputStream(s.getInputStream()), s.getOutputStream(),
                    HttpExchange.post("/admin/pool", "", "Authorization: Bearer " + FrontendProcess.ADMIN_TOKEN), null);
        }
    }

    static String awaitReady(FrontendProcess p, int port, ClientOptions client) {
        String line = p.awaitLine(l -> l.startsWith("frontend " + p.name() + " listening on 127.0.0.1:" + port),
                Duration.ofSeconds(60));
        FrontendProcess.awaitHealthy(port, client, Duration.ofSeconds(60));
        return line;
    }

    /** The certificate a new TLS link to {@code port} is given (a bare TLS handshake, then closed). */
    static X509Certificate probe(TlsConfig trust, int port) throws Exception {
        try (SSLSocket s = (SSLSocket) trust.context().getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(5_000);
            s.startHandshake();
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        }
    }

    static void replace(Path file, String content) throws Exception {
        Path staged = Files.writeString(file.resolveSibling(file.getFileName() + ".new"), content);
        Files.move(staged, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static void signal(FrontendProcess p, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(p.process().pid())).inheritIO().start();
        assertThat(kill.waitFor()).as("kill -" + signal).isZero();
    }

    static long count(String output, String text) {
        return output.lines().filter(l -> l.contains(text)).count();
    }
}
