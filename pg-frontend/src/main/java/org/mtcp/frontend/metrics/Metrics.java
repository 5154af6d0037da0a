package org.mtcp.frontend.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jetty.JettyConnectionMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.eclipse.jetty.server.Server;
import org.mtcp.core.MtcpServer;

/**
 * The front-end's metrics: Micrometer meters in a Prometheus registry, exposed at
 * {@code GET /metrics} in the Prometheus text format 0.0.4 ({@link #scrape()}). Every series is
 * labelled {@code frontend="<name>"}. The meter names are chosen so that Prometheus' naming
 * (counters get {@code _total}, timers {@code _seconds}, gauges their base unit) yields the series
 * names documented in docs/http-api.md.
 */
public final class Metrics {

    /** The Content-Type of {@link #scrape()}. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /** The buckets of the duration histograms, as before Micrometer (dashboards rely on them). */
    private static final Duration[] DURATION_BUCKETS = seconds(
            0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter batchesStarted;
    private final Counter batchesCompleted;
    private final Counter batchesTakenOver;
    private final Counter batchesReposted;
    private final Counter transactionsCommitted;
    private final Counter transactionsAborted;
    private final Counter transactionRetries;
    private final Counter linesResent;
    private final Counter resumes;
    private final Counter outcomeLookups;
    private final Counter forcedAborts;
    private final Counter emigrated;
    private final Counter snapshots;
    private final Counter badRequests;
    private final Counter databaseErrors;
    private final Timer transactionDuration;
    private final Timer batchDuration;

    public Metrics(String frontend) {
        // Before any meter: common tags apply only to meters registered after them.
        registry.config().commonTags("frontend", frontend)
                .meterFilter(MeterFilter.denyNameStartsWith("jetty.connections.bytes"));   // see jetty(Server)
        emigrated = counter("mtcp.frontend.emigrated", "Requests this front-end stopped serving because their connection moved away");
        resumes = counter("mtcp.frontend.resumes", "Batch responses resumed from a migrated connection's snapshot");
        outcomeLookups = counter("mtcp.frontend.outcome.lookups", "reconnect calls that asked the database for a transaction's outcome");
        forcedAborts = counter("mtcp.frontend.forced.aborts", "Snapshot transactions found aborted on resume (forced abort by the takeover, then re-run)");
        snapshots = counter("mtcp.frontend.snapshots", "Snapshots exported");
        batchesStarted = counter("mtcp.frontend.batches.started", "Batch requests accepted (new or re-posted)");
        batchesReposted = counter("mtcp.frontend.batches.reposted", "Batch requests for a batch id that already existed (continued, not re-run)");
        batchesCompleted = counter("mtcp.frontend.batches.completed", "Batch responses completed by this front-end");
        batchesTakenOver = counter("mtcp.frontend.batches.taken.over", "Batch responses ended because another request took the batch over");
        transactionsCommitted = transactions("committed");
        transactionsAborted = transactions("aborted");
        transactionRetries = counter("mtcp.frontend.transaction.retries", "Transactions run again (deadlock, serialization failure, lost commit)");
        linesResent = counter("mtcp.frontend.lines.resent", "Outcome lines sent from the database record (re-post or resume)");
        badRequests = counter("mtcp.frontend.bad.requests", "Requests refused with a 4xx before anything ran");
        databaseErrors = counter("mtcp.frontend.database.errors", "Database errors (unreachable, connection lost)");
        transactionDuration = duration("mtcp.frontend.transaction.duration", "Time to run one transaction (begin to commit)");
        batchDuration = duration("mtcp.frontend.batch.duration", "Time to serve one batch response on this front-end");
    }

    /** The transport's meters, read from the M-TCP server's stats at each scrape. */
    public void transport(MtcpServer server) {
        FunctionCounter.builder("mtcp.frontend.migrations.in", server, s -> s.stats().migratedIn())
                .description("Connections taken over from another front-end").register(registry);
        FunctionCounter.builder("mtcp.frontend.migrations.out", server, s -> s.stats().migratedOut())
                .description("Connections handed to another front-end").register(registry);
        Gauge.builder("mtcp.frontend.connections.open", server, s -> s.stats().open())
                .description("M-TCP connections held now").register(registry);
    }

    /** The admin delay before each response line, read at each scrape. */
    public void slowdown(LongSupplier delayMillis) {
        Gauge.builder("mtcp.frontend.slowdown", delayMillis, LongSupplier::getAsLong).baseUnit("milliseconds")
                .strongReference(true)          // a lambda would be collected otherwise: nothing else holds it
                .description("Artificial delay before each response line (admin knob)").register(registry);
    }

    /**
     * Micrometer's Jetty connection binder on {@code jetty}'s connectors (before it starts):
     * {@code jetty_connections_*}, the HTTP connections over M-TCP. Its byte counts are left out:
     * they need a NetworkTrafficServerConnector, which the M-TCP connector is not, so they would
     * stay 0. Nor is there a thread-pool binder: Jetty's VirtualThreadPool has no pool size to
     * report (JettyServerThreadPoolMetrics reads -1 threads).
     */
    public void jetty(Server jetty) {
        JettyConnectionMetrics.addToAllConnectors(jetty, registry);
    }

    /** The registry, for meters of an application or a Jetty handler, and for tests. */
    public MeterRegistry registry() {
        return registry;
    }

    /** Every meter in the Prometheus text format 0.0.4 ({@link #CONTENT_TYPE}). */
    public String scrape() {
        return registry.scrape(CONTENT_TYPE);
    }

    public void batchStarted() {
        batchesStarted.increment();
    }

    public void batchReposted() {
        batchesReposted.increment();
    }

    /** A batch response finished here, {@code elapsedNanos} after it started. */
    public void batchCompleted(long elapsedNanos) {
        batchesCompleted.increment();
        batchDuration.record(elapsedNanos, TimeUnit.NANOSECONDS);
    }

    public void batchTakenOver() {
        batchesTakenOver.increment();
    }

    /** A transaction ran here to its outcome, {@code elapsedNanos} after its begin. */
    public void transactionFinished(boolean committed, long elapsedNanos) {
        (committed ? transactionsCommitted : transactionsAborted).increment();
        transactionDuration.record(elapsedNanos, TimeUnit.NANOSECONDS);
    }

    public void transactionRetried() {
        transactionRetries.increment();
    }

    public void lineResent() {
        linesResent.increment();
    }

    public void resumed() {
        resumes.increment();
    }

    public void outcomeLookedUp() {
        outcomeLookups.increment();
    }

    public void forcedAbortFound() {
        forcedAborts.increment();
    }

    public void emigrated() {
        emigrated.increment();
    }

    public void snapshotExported() {
        snapshots.increment();
    }

    public void badRequest() {
        badRequests.increment();
    }

    public void databaseError() {
        databaseErrors.increment();
    }

    private Counter counter(String name, String description) {
        return Counter.builder(name).description(description).register(registry);
    }

    private Counter transactions(String outcome) {
        return Counter.builder("mtcp.frontend.transactions").tag("outcome", outcome)
                .description("Transactions run by this front-end, by outcome").register(registry);
    }

    private Timer duration(String name, String description) {
        return Timer.builder(name).description(description).serviceLevelObjectives(DURATION_BUCKETS).register(registry);
    }

    private static Duration[] seconds(double... bounds) {
        Duration[] durations = new Duration[bounds.length];
        for (int i = 0; i < bounds.length; i++) {
            durations[i] = Duration.ofNanos(Math.round(bounds[i] * 1e9));
        }
        return durations;
    }
}
