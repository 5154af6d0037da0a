package org.mtcp.webapp.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.BindException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mtcp.frontend.FrontendServer.DrainReport;
import org.mtcp.webapp.demo.FrontendRestarts.Verdict;

/** The restart and kill cycles' states and answers, with the drain, the start and the kill replaced by controllable steps. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FrontendRestartsTest {

    private static final String TOKEN = "t0k3n";

    private final List<String> events = new CopyOnWriteArrayList<>();
    private final CountDownLatch drainMayEnd = new CountDownLatch(1);
    private final AtomicInteger drains = new AtomicInteger();
    private final AtomicReference<Exception> nextStartFails = new AtomicReference<>();
    private final CountDownLatch killMayEnd = new CountDownLatch(1);
    private final AtomicInteger kills = new AtomicInteger();
    private final AtomicInteger starts = new AtomicInteger();

    private final FrontendRestarts.Steps steps = new FrontendRestarts.Steps() {
        @Override
        public DrainReport drain(String name, Duration timeout) {
            drains.incrementAndGet();
            try {
                drainMayEnd.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();    // the test ends: the drain ends too
            }
            return new DrainReport(2, 2, 0, Duration.ofMillis(5));
        }

        @Override
        public String start(String name) throws Exception {
            Exception failure = nextStartFails.getAndSet(null);
            if (failure != null) {
                throw failure;
            }
            starts.incrementAndGet();
            return "service port 1, control port 2";
        }

        @Override
        public String kill(String name) throws Exception {
            kills.incrementAndGet();
            killMayEnd.await();
            return "2 database sessions terminated";
        }
    };

    private final FrontendRestarts restarts = new FrontendRestarts(List.of("fe1", "fe2"), steps, Duration.ofSeconds(3),
            Duration.ofMillis(300), TOKEN, events::add);

    /** A restarts object whose killed front-ends would stay down for the whole test unless restarted. */
    private final FrontendRestarts slowRevival = new FrontendRestarts(List.of("fe1"), steps, Duration.ofSeconds(3),
            Duration.ofMinutes(10), TOKEN, events::add);

    @Test
    void oneRestartAtATimePerFrontEndAndARepeatedRequestGetsTheSameAnswer() throws Exception {
        FrontendRestarts.Answer first = restarts.request("fe1", "r-1", TOKEN);
        assertThat(first.verdict()).isEqualTo(Verdict.ACCEPTED);
        assertThat(first.phase()).isEqualTo(FrontendPhase.DRAINING);
        assertThat(restarts.status("fe1").phase()).isEqualTo(FrontendPhase.DRAINING);

        FrontendRestarts.Answer second = restarts.request("fe1", "r-2", TOKEN);
        assertThat(second.verdict()).isEqualTo(Verdict.BUSY);
        assertThat(second.message()).isEqualTo(
                "fe1 is already restarting (draining): one restart at a time per front-end; it is back in a few seconds");
        assertThat(restarts.request("fe1", null, TOKEN).verdict()).isEqualTo(Verdict.BUSY);
        assertThat(restarts.request("fe1", "r-1", TOKEN).verdict()).as("the same request, run again").isEqualTo(Verdict.ACCEPTED);
        assertThat(restarts.request("fe2", "r-3", TOKEN).verdict()).as("another front-end").isEqualTo(Verdict.ACCEPTED);

        drainMayEnd.countDown();
        assertThat(restarts.awaitSettled("fe1", Duration.ofSeconds(10))).isEqualTo(FrontendPhase.SERVING);
        assertThat(restarts.awaitSettled("fe2", Duration.ofSeconds(10))).isEqualTo(FrontendPhase.SERVING);
        assertThat(drains).hasValue(2);
        assertThat(events).contains(
                "restart of fe1: draining it (its clients move to its peers; up to 3000 ms)",
                "fe1 drained in 5 ms: 2 of 2 connection(s) moved to peers, 0 dropped")
                .anySatisfy(e -> assertThat(e).startsWith("fe1 is serving again on service port 1, control port 2 (restart took "));

        // Back to serving: a new restart is accepted, the old id means nothing any more.
        assertThat(restarts.request("fe1", "r-1", TOKEN).verdict()).isEqualTo(Verdict.ACCEPTED);
        assertThat(restarts.awaitSettled("fe1", Duration.ofSeconds(10))).isEqualTo(FrontendPhase.SERVING);
    }

    @Test
    void aFailedStartIsOneLineAndTheNextRestartOnlyStarts() throws Exception {
        drainMayEnd.countDown();
        nextStartFails.set(new IOException("cannot listen on fe1's ports again (service port 1, control port 2): "
                + "Address already in use", new BindException("Address already in use")));
        assertThat(restarts.request("fe1", "r-1", TOKEN).verdict()).isEqualTo(Verdict.ACCEPTED);

        assertThat(restarts.awaitSettled("fe1", Duration.ofSeconds(10))).isEqualTo(FrontendPhase.FAILED);
        assertThat(restarts.status("fe1").error())
                .isEqualTo("cannot listen on fe1's ports again (service port 1, control port 2): Address already in use");
        assertThat(events).contains("restart of fe1 failed: cannot listen on fe1's ports again (service port 1, "
                + "control port 2): Address already in use; fe1 stays stopped (Restart tries the start again)");

        FrontendRestarts.Answer again = restarts.request("fe1", "r-2", TOKEN);
        assertThat(again.verdict()).isEqualTo(Verdict.ACCEPTED);
        assertThat(again.phase()).as("stopped already: nothing to drain").isEqualTo(FrontendPhase.STARTING);
        assertThat(restarts.awaitSettled("fe1", Duration.ofSeconds(10))).isEqualTo(FrontendPhase.SERVING);
        assertThat(restarts.status("fe1").error()).isNull();
        assertThat(drains).hasValue(1);
        assertThat(events).contains("restart of fe1: starting it again (it was stopped)");
    }

    @Test
    void anExceptionWithoutAMessageIsNamedByItsClass() {
        assertThat(FrontendRestarts.describe(new IllegalStateException())).isEqualTo("IllegalStateException");
    }

    @Test
    void theAdminTokenAKnownNameAndARunningDemoAreRequired() {
        assertThat(restarts.request("fe1", null, null).verdict()).isEqualTo(Verdict.FORBIDDEN);
        assertThat(restarts.request("fe1", null, "wrong").verdict()).isEqualTo(Verdict.FORBIDDEN);
        assertThat(restarts.request("fe9", null, TOKEN).verdict()).isEqualTo(Verdict.UNKNOWN);
        restarts.close();
        FrontendRestarts.Answer stopping = restarts.request("fe1", null, TOKEN);
        assertThat(stopping.verdict()).isEqualTo(Verdict.BUSY);
        assertThat(stopping.message()).isEqualTo("the demo is stopping");
        assertThat(restarts.status("fe1").phase()).isEqualTo(FrontendPhase.SERVING);
        assertThat(drains).hasValue(0);
    }

    @Test
    void aKilledFrontEndStaysDownThenStartsAgainByItself() throws Exception {
        FrontendRestarts.Answer first = restarts.kill("fe1", "k-1", TOKEN);
        assertThat(first.verdict()).isEqualTo(Verdict.ACCEPTED);
        assertThat(first.phase()).isEqualTo(FrontendPhase.KILLED);
        assertThat(first.message()).isEqualTo("fe1 is killed; it starts again in 300 ms (or at Restart)");
        assertThat(restarts.kill("fe1", "k-1", TOKEN).verdict()).as("the same request, run again on a replica")
                .isEqualTo(Verdict.ACCEPTED);
        FrontendRestarts.Answer again = restarts.kill("fe1", "k-2", TOKEN);
        assertThat(again.verdict()).isEqualTo(Verdict.BUSY);
        assertThat(again.message()).isEqualTo("fe1 is not serving (killed): nothing to kill");
        FrontendRestarts.Answer restartTooEarly = restarts.request("fe1", "r-1", TOKEN);
        assertThat(restartTooEarly.verdict()).as("the kill's steps are not done").isEqualTo(Verdict.BUSY);
        assertThat(restartTooEarly.message()).isEqualTo("fe1 is being killed: Restart once it is down");

        killMayEnd.countDown();
        assertThat(restarts.awaitSettled("fe1", Duration.ofSeconds(10))).isEqualTo(FrontendPhase.SERVING);
        assertThat(kills).hasValue(1);
        assertThat(starts).hasValue(1);
        assertThat(drains).as("a crash drains nothing").hasValue(0);
        assertThat(events).contains(
                "kill of fe1: crashing it (its M-TCP server's sockets cut without a goodbye, its database sessions "
                        + "terminated, nothing handed over)",
                "revival of fe1: starting it again after the kill")
                .anySatisfy(e -> assertThat(e).startsWith("fe1 killed in ")
                        .endsWith(" ms: 2 database sessions terminated; it starts again in 300 ms (or at Restart)"))
                .anySatisfy(e -> assertThat(e).startsWith("fe1 is serving again on service port 1, control port 2"));
        assertThat(restarts.kill("fe1", "k-1", TOKEN).verdict()).as("serving again: a new kill").isEqualTo(Verdict.ACCEPTED);
        assertThat(restarts.awaitSettled("fe1", Duration.ofSeconds(10))).isEqualTo(FrontendPhase.SERVING);
    }

    @Test
    void aRestartOfAKilledFrontEndStartsItAtOnceAndTheRevivalStandsDown() throws Exception {
        killMayEnd.countDown();
        assertThat(slowRevival.kill("fe1", null, TOKEN).verdict()).isEqualTo(Verdict.ACCEPTED);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> events.stream().anyMatch(e -> e.startsWith("fe1 killed in ")));
        // down: a Restart is accepted once the kill's steps are done (until then: BUSY, and nothing changes)
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> slowRevival.request("fe1", "r-1", TOKEN).verdict() == Verdict.ACCEPTED);
        assertThat(slowRevival.awaitSettled("fe1", Duration.ofSeconds(10))).isEqualTo(FrontendPhase.SERVING);
        assertThat(starts).hasValue(1);
        assertThat(drains).as("stopped already: nothing to drain").hasValue(0);
        assertThat(events).contains("restart of fe1: starting it again (it was stopped)")
                .noneMatch(e -> e.startsWith("revival of fe1"));
        slowRevival.close();
    }

    @Test
    void aKillNeedsTheAdminTokenAServingFrontEndAndARunningDemo() {
        assertThat(restarts.kill("fe1", null, null).verdict()).isEqualTo(Verdict.FORBIDDEN);
        assertThat(restarts.kill("fe1", null, "wrong").verdict()).isEqualTo(Verdict.FORBIDDEN);
        assertThat(restarts.kill("fe9", null, TOKEN).verdict()).isEqualTo(Verdict.UNKNOWN);
        assertThat(restarts.request("fe2", null, TOKEN).verdict()).isEqualTo(Verdict.ACCEPTED);
        FrontendRestarts.Answer draining = restarts.kill("fe2", null, TOKEN);
        assertThat(draining.verdict()).isEqualTo(Verdict.BUSY);
        assertThat(draining.message()).isEqualTo("fe2 is not serving (draining): nothing to kill");
        restarts.close();
        assertThat(restarts.kill("fe1", null, TOKEN).verdict()).isEqualTo(Verdict.BUSY);
        assertThat(kills).hasValue(0);
    }
}
