package org.mtcp.frontend.metrics;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The front-end's metrics, exposed at {@code GET /metrics} in the Prometheus text format
 * (version 0.0.4). Counters are monotonic; histograms have fixed buckets in seconds.
 */
public final class Metrics {

    public final LongAdder batchesStarted = new LongAdder();
    public final LongAdder batchesCompleted = new LongAdder();
    public final LongAdder batchesTakenOver = new LongAdder();
    public final LongAdder batchesReposted = new LongAdder();
    public final LongAdder transactionsCommitted = new LongAdder();
    public final LongAdder transactionsAborted = new LongAdder();
    public final LongAdder transactionsRetried = new LongAdder();
    public final LongAdder linesResent = new LongAdder();
    public final LongAdder resumes = new LongAdder();
    public final LongAdder outcomeLookups = new LongAdder();
    public final LongAdder forcedAborts = new LongAdder();
    public final LongAdder emigrated = new LongAdder();
    public final LongAdder snapshots = new LongAdder();
    public final LongAdder badRequests = new LongAdder();
    public final LongAdder databaseErrors = new LongAdder();
    public final Histogram transactionSeconds = new Histogram();
    public final Histogram batchSeconds = new Histogram();
    public final AtomicLong slowdownMillis = new AtomicLong();

    private volatile LongSupplier migratedIn = () -> 0;
    private volatile LongSupplier migratedOut = () -> 0;
    private volatile LongSupplier openConnections = () -> 0;

    /** Where the transport's counters come from (the M-TCP server's stats). */
    public void transport(LongSupplier in, LongSupplier out, LongSupplier open) {
        this.migratedIn = in;
        this.migratedOut = out;
        this.openConnections = open;
    }

    public String render(String frontend) {
        StringBuilder b = new StringBuilder(4096);
        String l = "{frontend=\"" + frontend.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
        counter(b, "mtcp_frontend_migrations_in_total", "Connections taken over from another front-end", l, safe(migratedIn));
        counter(b, "mtcp_frontend_migrations_out_total", "Connections handed to another front-end", l, safe(migratedOut));
        gauge(b, "mtcp_frontend_connections_open", "M-TCP connections held now", l, safe(openConnections));
        counter(b, "mtcp_frontend_emigrated_total", "Requests this front-end stopped serving because their connection moved away", l, emigrated.sum());
        counter(b, "mtcp_frontend_resumes_total", "Batch responses resumed from a migrated connection's snapshot", l, resumes.sum());
        counter(b, "mtcp_frontend_outcome_lookups_total", "reconnect calls that asked the database for a transaction's outcome", l, outcomeLookups.sum());
        counter(b, "mtcp_frontend_forced_aborts_total", "Snapshot transactions found aborted on resume (forced abort by the takeover, then re-run)", l, forcedAborts.sum());
        counter(b, "mtcp_frontend_snapshots_total", "Snapshots exported", l, snapshots.sum());
        counter(b, "mtcp_frontend_batches_started_total", "Batch requests accepted (new or re-posted)", l, batchesStarted.sum());
        counter(b, "mtcp_frontend_batches_reposted_total", "Batch requests for a batch id that already existed (continued, not re-run)", l, batchesReposted.sum());
        counter(b, "mtcp_frontend_batches_completed_total", "Batch responses completed by this front-end", l, batchesCompleted.sum());
        counter(b, "mtcp_frontend_batches_taken_over_total", "Batch responses ended because another request took the batch over", l, batchesTakenOver.sum());
        b.append("# HELP mtcp_frontend_transactions_total Transactions run by this front-end, by outcome\n");
        b.append("# TYPE mtcp_frontend_transactions_total counter\n");
        b.append("mtcp_frontend_transactions_total{frontend=").append(l, l.indexOf('=') + 1, l.length() - 1)
                .append(",outcome=\"committed\"} ").append(transactionsCommitted.sum()).append('\n');
        b.append("mtcp_frontend_transactions_total{frontend=").append(l, l.indexOf('=') + 1, l.length() - 1)
                .append(",outcome=\"aborted\"} ").append(transactionsAborted.sum()).append('\n');
        counter(b, "mtcp_frontend_transaction_retries_total", "Transactions run again (deadlock, serialization failure, lost commit)", l, transactionsRetried.sum());
        counter(b, "mtcp_frontend_lines_resent_total", "Outcome lines sent from the database record (re-post or resume)", l, linesResent.sum());
        counter(b, "mtcp_frontend_bad_requests_total", "Requests refused with a 4xx before anything ran", l, badRequests.sum());
        counter(b, "mtcp_frontend_database_errors_total", "Database errors (unreachable, connection lost)", l, databaseErrors.sum());
        gauge(b, "mtcp_frontend_slowdown_milliseconds", "Artificial delay before each response line (admin knob)", l, slowdownMillis.get());
        transactionSeconds.render(b, "mtcp_frontend_transaction_duration_seconds", "Time to run one transaction (begin to commit)", l);
        batchSeconds.render(b, "mtcp_frontend_batch_duration_seconds", "Time to serve one batch response on this front-end", l);
        return b.toString();
    }

    private static long safe(LongSupplier s) {
        try {
            return s.getAsLong();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private static void counter(StringBuilder b, String name, String help, String labels, long value) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(" counter\n");
        b.append(name).append(labels).append(' ').append(value).append('\n');
    }

    private static void gauge(StringBuilder b, String name, String help, String labels, long value) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(" gauge\n");
        b.append(name).append(labels).append(' ').append(value).append('\n');
    }

    /** A fixed-bucket histogram of durations. */
    public static final class Histogram {
        private static final double[] BOUNDS = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
        private final LongAdder[] buckets = new LongAdder[BOUNDS.length];
        private final LongAdder count = new LongAdder();
        private final LongAdder sumNanos = new LongAdder();

        public Histogram() {
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
        }

        public void observeNanos(long nanos) {
            double seconds = nanos / 1e9;
            for (int i = 0; i < BOUNDS.length; i++) {
                if (seconds <= BOUNDS[i]) {
                    buckets[i].increment();
                    break;
                }
            }
            count.increment();
            sumNanos.add(nanos);
        }

        public long count() {
            return count.sum();
        }

        void render(StringBuilder b, String name, String help, String labels) {
            b.append("# HELP ").append(name).append(' ').append(help).append('\n');
            b.append("# TYPE ").append(name).append(" histogram\n");
            String inner = labels.substring(1, labels.length() - 1);
            long cumulative = 0;
            for (int i = 0; i < BOUNDS.length; i++) {
                cumulative += buckets[i].sum();
                b.append(name).append("_bucket{").append(inner).append(",le=\"")
                        .append(String.format(Locale.ROOT, "%s", BOUNDS[i])).append("\"} ").append(cumulative).append('\n');
            }
            b.append(name).append("_bucket{").append(inner).append(",le=\"+Inf\"} ").append(count.sum()).append('\n');
            b.append(name).append("_sum").append(labels).append(' ')
                    .append(String.format(Locale.ROOT, "%.6f", sumNanos.sum() / 1e9)).append('\n');
            b.append(name).append("_count").append(labels).append(' ').append(count.sum()).append('\n');
        }
    }
}
