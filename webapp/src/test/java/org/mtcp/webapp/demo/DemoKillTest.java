package org.mtcp.webapp.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The demo's Kill without a browser: the demo (embedded PostgreSQL, three front-ends with
 * replicated state transfer, the proxy) runs in this JVM; a batch streams through the proxy, the
 * front-end serving it is killed through the token-protected endpoint, and the batch must finish
 * on another front-end with every outcome line once and in order, each transfer recorded once and
 * the money conserved. The endpoint refuses callers without the admin token.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DemoKillTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ACCOUNTS = 8;
    private static final long BALANCE = 1000;

    private static Demo demo;
    private static HttpClient http;
    private static final List<String> events = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        Demo.Settings settings = Demo.Settings.defaults()
                .withListen(new InetSocketAddress("127.0.0.1", 0))
                .withPace(Duration.ofMillis(100));
        demo = Demo.start(settings, new PrintStream(System.err, true), line -> {
            events.add(line);
            System.out.println(line);
        });
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() {
        if (http != null) {
            http.close();
        }
        if (demo != null) {
            demo.close();
        }
    }

    @Test
    void theKillEndpointRefusesCallersWithoutTheAdminToken() throws Exception {
        assertThat(demo.awaitRestarted("fe1", Duration.ofSeconds(60))).isEqualTo(FrontendPhase.SERVING);
        long killsBefore = kills();
        HttpResponse<String> none = kill("fe1", null, "{}");
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.body()).contains("\"code\":\"unauthorized\"");
        assertThat(kill("fe1", "Basic " + demo.adminToken(), "{}").statusCode()).as("not a bearer token").isEqualTo(401);
        HttpResponse<String> wrong = kill("fe1", "Bearer wrong-token", "{}");
        assertThat(wrong.statusCode()).isEqualTo(403);
        assertThat(wrong.body()).contains("\"code\":\"forbidden\"");
        HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(demo.url() + "demo/admin/frontends/fe1/kill"))
                .header("Authorization", "Bearer " + demo.adminToken()).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(kill("fe9", "Bearer " + demo.adminToken(), "{}").statusCode()).isEqualTo(404);

        assertThat(demo.phase("fe1")).isEqualTo(FrontendPhase.SERVING);
        assertThat(kills()).as("kills begun; events: %s", events).isEqualTo(killsBefore);
    }

    private static long kills() {
        return events.stream().filter(e -> e.startsWith("kill of ")).count();
    }

    @Test
    void aBatchWhoseFrontEndIsKilledFinishesOnAnotherWithEveryTransferOnce() throws Exception {
        int n = 40;
        String batch = "kill-" + Long.toString(System.nanoTime(), 36);
        HttpResponse<Stream<String>> response = http.send(HttpRequest.newBuilder(URI.create(demo.url() + "v1/batches"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body(batch, n, new Random(14)))).build(),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);

        List<JsonNode> outcomes = new ArrayList<>();
        JsonNode summary = null;
        String killed = null;
        int linesAtKill = 0;
        try (Stream<String> lines = response.body()) {
            for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
                JsonNode line = JSON.readTree(it.next());
                if (line.path("summary").asBoolean()) {
                    summary = line;
                    continue;
                }
                outcomes.add(line);
                if (outcomes.size() == 5) {
                    // A few outcomes in: kill the front-end that runs them.
                    killed = line.path("frontend").asText();
                    linesAtKill = outcomes.size();
                    HttpResponse<String> answer = kill(killed, "Bearer " + demo.adminToken(), "{\"request\":\"k-" + batch + "\"}");
                    assertThat(answer.statusCode()).as("kill answer: %s", answer.body()).isEqualTo(202);
                    assertThat(answer.body()).contains("\"phase\":\"killed\"");
                }
            }
        }

        // Every outcome once, in order, and the batch complete.
        assertThat(summary).as("the summary line; events: %s", events).isNotNull();
        assertThat(summary.path("status").asText()).isEqualTo("complete");
        assertThat(outcomes.stream().map(o -> o.path("seq").asInt()).toList())
                .containsExactlyElementsOf(IntStream.rangeClosed(1, n).boxed().toList());
        // Finished elsewhere: the lines after the kill come from another front-end.
        String victim = killed;
        assertThat(outcomes.subList(linesAtKill, n)).isNotEmpty()
                .last().satisfies(o -> assertThat(o.path("frontend").asText()).isNotEqualTo(victim));
        // The kill happened as a crash, and the proxy saw its server fail (not a drain's request).
        assertThat(events).contains("kill of " + victim + ": crashing it (its M-TCP server's sockets cut without a "
                + "goodbye, its database sessions terminated, nothing handed over)")
                .anySatisfy(e -> assertThat(e).startsWith(victim + " killed in "))
                .noneMatch(e -> e.startsWith(victim + " drained"));
        assertThat(demo.proxyMigrations()).as("the proxy's migrations; events: %s", events)
                .anySatisfy(m -> assertThat(m).contains(victim + "->").contains("holder-failed"));

        // In the database: each committed outcome once, and the money conserved.
        long committed = outcomes.stream().filter(o -> o.path("outcome").asText().equals("committed")).count();
        assertThat(summary.path("committed").asLong()).isEqualTo(committed);
        try (Connection c = demo.connectDatabase()) {
            try (PreparedStatement st = c.prepareStatement(
                    "SELECT count(*), count(DISTINCT seq) FROM bank.transfers WHERE batch = ?")) {
                st.setString(1, batch);
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    assertThat(rs.getLong(1)).as("transfers recorded for %s", batch).isEqualTo(committed);
                    assertThat(rs.getLong(2)).as("each seq once").isEqualTo(committed);
                }
            }
            org.mtcp.webapp.BankTestData.assertMoneyIsConserved(c, ACCOUNTS, BALANCE);
        }

        // And the killed front-end comes back by itself.
        assertThat(demo.awaitRestarted(victim, Duration.ofSeconds(60))).as("events: %s", events)
                .isEqualTo(FrontendPhase.SERVING);
        assertThat(events).contains("revival of " + victim + ": starting it again after the kill");
    }

    private static HttpResponse<String> kill(String frontend, String authorization, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(demo.url() + "demo/admin/frontends/" + frontend + "/kill"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** {@code n} transfers between the demo's accounts, some of them more than any balance (aborted). */
    private static String body(String id, int n, Random random) {
        StringBuilder b = new StringBuilder("{\"id\":\"").append(id).append("\",\"transactions\":[");
        for (int i = 0; i < n; i++) {
            long from = 1 + random.nextInt(ACCOUNTS);
            long to = 1 + (from + random.nextInt(ACCOUNTS - 1)) % ACCOUNTS;
            long amount = random.nextInt(8) == 0 ? 50_000 : 1 + random.nextInt(300);
            b.append(i == 0 ? "" : ",").append("{\"op\":\"transfer\",\"args\":{\"from\":").append(from)
                    .append(",\"to\":").append(to).append(",\"amount\":").append(amount).append("}}");
        }
        return b.append("]}").toString();
    }
}
