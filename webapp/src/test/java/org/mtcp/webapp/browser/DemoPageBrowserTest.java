package org.mtcp.webapp.browser;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mtcp.frontend.http.OperatorControls;
import org.mtcp.webapp.demo.Demo;
import org.mtcp.webapp.demo.FrontendPhase;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The acceptance test, in a real browser: the demo (embedded PostgreSQL, three
 * front-ends, the proxy with the response-time policy) runs in this JVM; headless Chromium opens
 * the page through the proxy, runs a batch of transfers, slows down the front-end serving it
 * with the page's own button, and the page must show every outcome exactly once, at least one
 * migration, and the same total before and after. Checked against the database and the proxy's
 * log too. Leaves a screenshot in {@code target/demo-page.png}. The same for a front-end restarted
 * (drained) and one killed (crashed: the batch fails over to the replica) in the middle of a batch.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DemoPageBrowserTest {

    private static final int TRANSFERS = 30;
    private static final Path TARGET = Path.of("target");

    private static Demo demo;
    private static ChromeDriver browser;
    private static final List<String> events = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        // The browser first: without it there is nothing to test (clear message, before the slow part).
        browser = Chromium.start(Files.createTempDirectory("mtcp-chromium-"), 1400, 2000);
        Demo.Settings settings = Demo.Settings.defaults()
                .withListen(new InetSocketAddress("127.0.0.1", 0))
                .withPace(Duration.ofMillis(200));
        demo = Demo.start(settings, new PrintStream(System.err, true), line -> {
            events.add(line);
            System.out.println(line);
        });
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (demo != null) {
            demo.close();
        }
    }

    @BeforeEach
    void normalPace() {
        for (String fe : demo.frontendNamesRunning()) {           // a test before may have left one slow
            demo.frontend(fe).slowdown().set(200);
        }
    }

    @Test
    void aSlowedFrontEndLosesTheBatchAndThePageShowsEveryOutcomeOnceAndAnUnchangedTotal() throws Exception {
        WebDriverWait wait = openPage();
        assertThat(text("total-now")).isEqualTo("8,000");
        assertThat(browser.findElements(By.cssSelector(".fe"))).hasSize(3);

        runBatch(TRANSFERS);

        // A few outcomes in, slow down the front-end that runs them, with the page's button.
        wait.until(ExpectedConditions.numberOfElementsToBeMoreThan(By.cssSelector("#outcomes tr"), 2));
        String serving = servingFrontend(wait);
        browser.findElement(By.cssSelector("button[data-action='slow'][data-fe='" + serving + "']")).click();
        wait.until(ExpectedConditions.attributeToBe(By.cssSelector(".fe[data-fe='" + serving + "']"), "data-slow", "true"));

        // The batch moves on by itself and finishes elsewhere.
        awaitBatchEnd(wait);
        screenshot("demo-page.png");

        assertThat(browser.findElement(By.id("batch-status")).getDomAttribute("data-state"))
                .as("batch status: %s", text("batch-status")).isEqualTo("complete");

        // Every outcome exactly once.
        List<WebElement> rows = everyOutcomeOnce(TRANSFERS);
        assertThat(text("outcome-count")).isEqualTo(String.valueOf(TRANSFERS));

        // At least one migration, one of them away from the front-end that was slowed down (a
        // loaded machine may add others: any second without a byte moves the connection).
        List<WebElement> migrations = browser.findElements(By.cssSelector("#migrations li"));
        assertThat(migrations).isNotEmpty()
                .anySatisfy(m -> {
                    assertThat(m.getDomAttribute("data-from")).isEqualTo(serving);
                    assertThat(m.getDomAttribute("data-to")).isNotEqualTo(serving);
                });
        assertThat(browser.findElements(By.cssSelector("#timeline svg circle"))).hasSize(TRANSFERS);

        // The invariant, as the page shows it.
        assertThat(text("total-before")).isEqualTo("8,000");
        assertThat(text("total-after")).isEqualTo("8,000");
        assertThat(browser.findElement(By.id("invariant")).getDomAttribute("data-status")).isEqualTo("ok");

        // What the page showed agrees with the database and with the proxy.
        String summary = browser.findElement(By.id("batch-status")).getDomAttribute("data-summary");
        String batchId = summary.replaceAll(".*\"batch\":\"([^\"]+)\".*", "$1");
        long committedOnPage = rows.stream().filter(r -> "committed".equals(r.getDomAttribute("data-outcome"))).count();
        try (Connection c = demo.connectDatabase();
                PreparedStatement st = c.prepareStatement(
                        "SELECT count(*), count(DISTINCT seq), (SELECT sum(balance) FROM bank.accounts) "
                                + "FROM bank.transfers WHERE batch = ?")) {
            st.setString(1, batchId);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1)).as("transfers recorded for %s", batchId).isEqualTo(committedOnPage);
                assertThat(rs.getLong(2)).as("each seq once").isEqualTo(committedOnPage);
                assertThat(rs.getLong(3)).isEqualTo(8000);
            }
        }
        assertThat(demo.proxyMigrations())
                .as("the proxy's log: %s", events)
                .hasSizeGreaterThanOrEqualTo(migrations.size())
                .anySatisfy(m -> assertThat(m).contains(serving + "->").contains("response-time"));

        // Back to normal, through the page again.
        browser.findElement(By.cssSelector("button[data-action='normal'][data-fe='" + serving + "']")).click();
        wait.until(ExpectedConditions.attributeToBe(By.cssSelector(".fe[data-fe='" + serving + "']"), "data-slow", "false"));
        assertThat(demo.frontend(serving).slowdown().delayMillis()).isEqualTo(200);
    }

    @Test
    void aBatchCutOffByTheNetworkIsRepostedAndContinuesWithoutRunningAnythingTwice() throws Exception {
        WebDriverWait wait = openPage();
        String totalBefore = text("total-now");
        runBatch(TRANSFERS);
        wait.until(ExpectedConditions.numberOfElementsToBeMoreThan(By.cssSelector("#outcomes tr"), 4));

        demo.dropBrowserConnections();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("repost")));
        assertThat(browser.findElement(By.id("batch-status")).getDomAttribute("data-state")).isEqualTo("error");
        int before = browser.findElements(By.cssSelector("#outcomes tr")).size();
        assertThat(before).isLessThan(TRANSFERS);
        browser.findElement(By.id("repost")).click();

        new WebDriverWait(browser, Duration.ofSeconds(90)).until(d -> {
            String s = d.findElement(By.id("batch-status")).getDomAttribute("data-state");
            return "complete".equals(s) || ("error".equals(s) && !d.findElement(By.id("repost")).isDisplayed());
        });
        wait.until(d -> !"pending".equals(d.findElement(By.id("invariant")).getDomAttribute("data-status")));
        assertThat(browser.findElement(By.id("batch-status")).getDomAttribute("data-state"))
                .as("batch status: %s", text("batch-status")).isEqualTo("complete");
        assertThat(text("batch-status")).contains("lines re-sent after the re-post");

        List<WebElement> rows = everyOutcomeOnce(TRANSFERS);
        moneyKept(totalBefore);

        oneTransferRowPerCommittedOutcome(rows);
    }

    @Test
    void aRestartedFrontEndHandsItsBatchToAPeerAndComesBack() throws Exception {
        int transfers = 60;                                    // 12 s at the test's pace: the restart lands mid-batch
        WebDriverWait wait = openPage();
        String totalBefore = text("total-now");
        runBatch(transfers);

        // A few outcomes in, restart the front-end that runs them, with the page's button.
        String serving = clickOnTheServingFrontEnd(wait, "restart");
        By card = By.cssSelector(".fe[data-fe='" + serving + "']");
        wait.until(d -> events.contains("restart of " + serving + ": draining it (its clients move to its peers; up to 10000 ms)"));

        // The batch goes on elsewhere and completes; the front-end comes back, and the page says so.
        awaitBatchEnd(wait);
        assertThat(demo.awaitRestarted(serving, Duration.ofSeconds(30))).as("events: %s", events)
                .isEqualTo(FrontendPhase.SERVING);
        wait.until(ExpectedConditions.attributeToBe(card, "data-phase", "serving"));
        wait.until(ExpectedConditions.attributeToBe(card, "data-health", "ok"));
        wait.until(ExpectedConditions.attributeToBe(By.cssSelector(".fe[data-fe='" + serving + "'] .message"), "data-kind", "ok"));
        screenshot("demo-page-restart.png");

        assertThat(browser.findElement(By.id("batch-status")).getDomAttribute("data-state"))
                .as("batch status: %s", text("batch-status")).isEqualTo("complete");
        List<WebElement> rows = everyOutcomeOnce(transfers);
        moneyKept(totalBefore);

        // The drain moved the batch: on the page, and in the proxy's log as a move the server asked for.
        assertThat(browser.findElements(By.cssSelector("#migrations li")))
                .anySatisfy(m -> assertThat(m.getDomAttribute("data-from")).isEqualTo(serving));
        assertThat(demo.proxyMigrations()).as("the proxy's log: %s", events)
                .anySatisfy(m -> assertThat(m).contains(serving + "->").contains("server-request"));
        assertThat(events).anySatisfy(e -> assertThat(e).startsWith(serving + " drained in "))
                .anySatisfy(e -> assertThat(e).startsWith(serving + " is serving again on service port "));
        assertThat(demo.frontend(serving).phase()).isEqualTo(OperatorControls.Phase.SERVING);

        oneTransferRowPerCommittedOutcome(rows);
    }

    @Test
    void aKilledFrontEndsBatchFailsOverToAReplicaAndFinishesThere() throws Exception {
        int transfers = 40;                                    // 8 s at the test's pace: the kill lands mid-batch
        WebDriverWait wait = openPage();
        String totalBefore = text("total-now");
        runBatch(transfers);

        // A few outcomes in, kill the front-end that runs them, with the page's button.
        String serving = clickOnTheServingFrontEnd(wait, "kill");
        By card = By.cssSelector(".fe[data-fe='" + serving + "']");
        wait.until(d -> events.stream().anyMatch(e -> e.startsWith("kill of " + serving + ": crashing it")));

        // The batch fails over and completes elsewhere; the page shows the failover.
        awaitBatchEnd(wait);
        screenshot("demo-page-kill.png");
        assertThat(browser.findElement(By.id("batch-status")).getDomAttribute("data-state"))
                .as("batch status: %s; events: %s", text("batch-status"), events).isEqualTo("complete");
        List<WebElement> rows = everyOutcomeOnce(transfers);
        assertThat(rows.get(rows.size() - 1).getDomAttribute("data-frontend")).as("the last outcome's front-end")
                .isNotEqualTo(serving);
        assertThat(browser.findElements(By.cssSelector("#migrations li")))
                .anySatisfy(m -> {
                    assertThat(m.getDomAttribute("data-from")).isEqualTo(serving);
                    assertThat(m.getDomAttribute("data-to")).isNotEqualTo(serving);
                    assertThat(m.getDomAttribute("data-kind")).isEqualTo("failover");
                    assertThat(m.getText()).contains("failover: " + serving + " was killed");
                });
        assertThat(browser.findElements(By.cssSelector("#timeline svg text.event-label")))
                .anySatisfy(t -> assertThat(t.getText()).isEqualTo(serving + " killed"));
        moneyKept(totalBefore);
        // The proxy saw the server fail (EOF without a goodbye), not a move it was asked for.
        assertThat(demo.proxyMigrations()).as("the proxy's log: %s", events)
                .anySatisfy(m -> assertThat(m).contains(serving + "->").contains("holder-failed"));
        oneTransferRowPerCommittedOutcome(rows);

        // The killed front-end comes back by itself, and the page says so.
        assertThat(demo.awaitRestarted(serving, Duration.ofSeconds(60))).as("events: %s", events)
                .isEqualTo(FrontendPhase.SERVING);
        wait.until(ExpectedConditions.attributeToBe(card, "data-phase", "serving"));
        wait.until(ExpectedConditions.attributeToBe(By.cssSelector(".fe[data-fe='" + serving + "'] .message"), "data-kind", "ok"));
        assertThat(browser.findElement(By.cssSelector(".fe[data-fe='" + serving + "'] .message")).getText())
                .isEqualTo("Back after the kill: serving again.");
        assertThat(events).contains("revival of " + serving + ": starting it again after the kill");
    }

    /** Once a few outcomes are in, clicks {@code action}'s button of the front-end serving them; returns its name. */
    private static String clickOnTheServingFrontEnd(WebDriverWait wait, String action) {
        wait.until(ExpectedConditions.numberOfElementsToBeMoreThan(By.cssSelector("#outcomes tr"), 3));
        String serving = servingFrontend(wait);
        browser.findElement(By.cssSelector("button[data-action='" + action + "'][data-fe='" + serving + "']")).click();
        return serving;
    }

    /** The page's totals before and after the batch are the bank's total before it, and it says so. */
    private static void moneyKept(String totalBefore) {
        assertThat(text("total-before")).isEqualTo(totalBefore);
        assertThat(text("total-after")).isEqualTo(totalBefore);
        assertThat(browser.findElement(By.id("invariant")).getDomAttribute("data-status")).isEqualTo("ok");
    }

    /** Opens the page and waits until it has loaded its settings and the accounts. */
    private static WebDriverWait openPage() {
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        browser.get(demo.url());
        wait.until(ExpectedConditions.attributeToBe(By.tagName("body"), "data-ready", "true"));
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#accounts tr"), 8));
        return wait;
    }

    private static void runBatch(int transfers) {
        WebElement size = browser.findElement(By.id("batch-size"));
        size.clear();
        size.sendKeys(String.valueOf(transfers));
        browser.findElement(By.id("run-batch")).click();
    }

    /** The front-end whose card says it serves the batch. */
    private static String servingFrontend(WebDriverWait wait) {
        return wait.until(d -> {
            List<WebElement> s = d.findElements(By.cssSelector(".fe[data-serving='true']"));
            return s.isEmpty() ? null : s.get(0).getDomAttribute("data-fe");
        });
    }

    /** Until the batch has completed or failed, and the invariant panel has its verdict. */
    private static void awaitBatchEnd(WebDriverWait wait) {
        new WebDriverWait(browser, Duration.ofSeconds(90)).until(d -> {
            String s = d.findElement(By.id("batch-status")).getDomAttribute("data-state");
            return "complete".equals(s) || "error".equals(s);
        });
        wait.until(d -> !"pending".equals(d.findElement(By.id("invariant")).getDomAttribute("data-status")));
    }

    /** The outcome rows: seq 1..transfers, each once, none flagged duplicate. */
    private static List<WebElement> everyOutcomeOnce(int transfers) {
        List<WebElement> rows = browser.findElements(By.cssSelector("#outcomes tr"));
        List<Integer> seqs = new ArrayList<>();
        for (WebElement row : rows) {
            seqs.add(Integer.parseInt(row.getDomAttribute("data-seq")));
            assertThat(row.getDomAttribute("data-duplicate")).isEqualTo("false");
        }
        assertThat(seqs).containsExactlyElementsOf(IntStream.rangeClosed(1, transfers).boxed().toList());
        return rows;
    }

    /** The batch shown has one {@code bank.transfers} row per committed outcome on the page, each seq once. */
    private static void oneTransferRowPerCommittedOutcome(List<WebElement> rows) throws java.sql.SQLException {
        String summary = browser.findElement(By.id("batch-status")).getDomAttribute("data-summary");
        String batchId = summary.replaceAll(".*\"batch\":\"([^\"]+)\".*", "$1");
        long committedOnPage = rows.stream().filter(r -> "committed".equals(r.getDomAttribute("data-outcome"))).count();
        try (Connection c = demo.connectDatabase();
                PreparedStatement st = c.prepareStatement(
                        "SELECT count(*), count(DISTINCT seq) FROM bank.transfers WHERE batch = ?")) {
            st.setString(1, batchId);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1)).as("transfers recorded for %s", batchId).isEqualTo(committedOnPage);
                assertThat(rs.getLong(2)).as("each seq once").isEqualTo(committedOnPage);
            }
        }
    }

    private static String text(String id) {
        return browser.findElement(By.id(id)).getText().trim();
    }

    private static void screenshot(String name) throws java.io.IOException {
        Files.createDirectories(TARGET);
        Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, TARGET.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }
}
