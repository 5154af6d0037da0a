package org.mtcp.frontend.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.mtcp.core.MigratedException;
import org.mtcp.frontend.batch.BadRequestException;
import org.mtcp.frontend.batch.BatchParser;
import org.mtcp.frontend.batch.BatchRequest;
import org.mtcp.frontend.batch.Lines;
import org.mtcp.frontend.metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs batches with the paper's Figure 9 discipline, so that front-end developers never write it:
 *
 * <ol>
 *   <li>each transaction begins with {@code mtcp.begin(session, epoch)} (gettxnID, and the fence
 *       that stops this front-end once another one took the batch over);
 *   <li>the operation runs; if it fails, the transaction is rolled back and a transaction of its
 *       own records the failure as the outcome (see {@link TransactionRunner});
 *   <li>the outcome and its exact NDJSON line are inserted into {@code frontend.outcome}, inside
 *       the transaction, so the record commits iff the transaction does;
 *   <li>the snapshot {@code (batch, seq, tid)} is exported <em>inside</em> the transaction, just
 *       before its final query, COMMIT;
 *   <li>COMMIT, then the line is written as one HTTP chunk.
 * </ol>
 *
 * <p>A front-end that takes the connection over imports the snapshot, calls
 * {@code mtcp.reconnect(session, tid, timeout)}, which fences the old front-end and returns the
 * definite outcome of {@code tid} (aborting it after the timeout if the old front-end never got to
 * COMMIT), and continues from {@code seq}: every transaction with a record is reported from its
 * record (byte-identical line, naming the front-end that ran it), every other one is run here. So a
 * transaction runs exactly once and its line is sent exactly once, wherever migrations fall; a
 * re-posted batch id takes the same path, which is why it continues instead of running twice.
 *
 * <p>{@link TransactionRunner} runs each transaction, on a {@link TransactionThreads} thread when
 * there are some; one hand-over runs a stretch of the batch's transactions and writes their lines
 * there while that needs no waiting ({@link #stretch}), with the same steps in the same order as
 * the request's thread.
 */
public final class BatchEngine {

    private static final Logger LOG = LoggerFactory.getLogger(BatchEngine.class);

    private final BatchStore store;
    private final BatchParser parser;
    private final String frontend;
    private final Duration reconnectTimeout;
    private final Metrics metrics;
    private final Slowdown slowdown;
    private volatile Hooks hooks = Hooks.NONE;
    private volatile TransactionThreads transactionThreads;
    private final TransactionRunner runner;

    public BatchEngine(BatchStore store, BatchParser parser, String frontend, Duration reconnectTimeout,
            Metrics metrics, Slowdown slowdown) {
        this.store = store;
        this.parser = parser;
        this.frontend = frontend;
        this.reconnectTimeout = reconnectTimeout;
        this.metrics = metrics;
        this.slowdown = slowdown;
        this.runner = new TransactionRunner(store, frontend, reconnectTimeout, metrics, () -> hooks);
    }

    public String frontend() {
        return frontend;
    }

    /**
     * Runs transactions on {@code count} platform threads from now on ({@link TransactionThreads}:
     * pgjdbc's round trips cost less there than on the request's virtual thread); 0: on the
     * request's thread.
     */
    public void useTransactionThreads(int count) {
        TransactionThreads old = transactionThreads;
        transactionThreads = count > 0 ? new TransactionThreads(frontend, count) : null;
        if (old != null) {
            old.close();
        }
    }

    /** Stops the transaction threads, if any (they end once their current transaction does). */
    public void close() {
        useTransactionThreads(0);
    }

    /** Installs test points (fault injection); production leaves {@link Hooks#NONE}. */
    public void setHooks(Hooks hooks) {
        this.hooks = hooks == null ? Hooks.NONE : hooks;
    }

    public void hook(Hooks.Point point, String batch, int seq, org.mtcp.core.MtcpServerConnection connection)
            throws IOException {
        hooks.at(point, frontend, batch, seq, connection);
    }

    public Slowdown slowdown() {
        return slowdown;
    }

    public BatchStore store() {
        return store;
    }

    /**
     * A batch this front-end holds: its session at {@code epoch}, for the request {@code claimant}.
     * {@code created}: this request created it, so no transaction of it has an outcome yet.
     * {@code timeline}: the database timeline of its last transaction (0: none yet), to notice a
     * promotion in the middle of it ({@link TransactionRunner}).
     */
    public record Batch(String id, long session, long epoch, BatchRequest request, BatchOwnership.Claimant claimant,
            boolean created, AtomicLong timeline) {

        Batch(String id, long session, long epoch, BatchRequest request, BatchOwnership.Claimant claimant,
                boolean created) {
            this(id, session, epoch, request, claimant, created, new AtomicLong());
        }
    }

    /**
     * A batch request that passed validation: creates the batch, or takes an existing one with the
     * same id over (re-post). 409 if the id exists with other transactions.
     */
    public Batch open(String id, BatchRequest request, BatchOwnership.Claimant claimant)
            throws BadRequestException, DatabaseUnavailableException, SupersededException {
        try {
            BatchStore.Created created = store.createOrFind(id, request.canonical(), request.transactions().size(), frontend,
                    claimant);
            if (created.created()) {
                return new Batch(id, created.session(), 0, request, claimant, true);
            }
            if (!created.hash().equals(BatchStore.hash(request.canonical()))) {
                throw new BadRequestException(409, "batch_conflict",
                        "batch " + id + " exists with other transactions; re-post it unchanged or use another id", "id");
            }
            metrics.batchReposted();
            MtcpSql.Reconnected r = store.takeOver(id, created.session(), null, claimant, reconnectTimeout);
            return new Batch(id, created.session(), r.epoch(), request, claimant, false);
        } catch (SQLException e) {
            metrics.databaseError();
            throw new DatabaseUnavailableException("database unavailable: " + DatabaseGate.cause(e), e);
        }
    }

    /**
     * Takes over the batch of an imported snapshot: reconnect (fence the old front-end, definite
     * outcome of the snapshot's transaction) and reload the batch's transactions. Nothing is run
     * and nobody is fenced when a newer request owns the batch ({@link SupersededException}).
     */
    public Batch resume(Snapshot.InBatch s, String cid, long connectionEpoch)
            throws DatabaseUnavailableException, IOException, SupersededException {
        BatchOwnership.Claimant claimant = new BatchOwnership.Claimant(cid, s.ordinal(), connectionEpoch);
        try {
            MtcpSql.Reconnected r = store.takeOver(s.batchId(), s.session(), s.tid(), claimant, reconnectTimeout);
            metrics.resumed();
            if (s.tid() != null) {
                metrics.outcomeLookedUp();
                if ("aborted".equals(r.outcome())) {
                    metrics.forcedAbortFound();
                }
                LOG.info("{}: resumed batch {} at seq {}: transaction {} {}", frontend, s.batchId(), s.seq(),
                        s.tid(), r.outcome());
            } else {
                LOG.info("{}: resumed batch {} at seq {}", frontend, s.batchId(), s.seq());
            }
            BatchStore.StoredBatch stored = store.find(s.batchId())
                    .orElseThrow(() -> new IOException("snapshot names batch " + s.batchId() + ", which does not exist"));
            BatchRequest request = parser.parseStored(stored.id(), stored.request());
            // the snapshot's transaction ran on its timeline: a promotion since is noticed at the next one
            return new Batch(stored.id(), stored.session(), r.epoch(), request, claimant, false,
                    new AtomicLong(s.tid() == null ? 0 : s.tid().timeline()));
        } catch (SQLException e) {
            metrics.databaseError();
            throw new DatabaseUnavailableException("database unavailable on resume: " + DatabaseGate.cause(e), e);
        } catch (BadRequestException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * Sends the batch's lines from {@code from} on (the ones before were sent already) and its
     * summary, then ends the response. Throws {@link MigratedException} when the connection moved
     * away (this front-end simply stops).
     */
    public void run(Batch batch, int from, ResponseSink sink, SnapshotExporter exporter, long ordinal, boolean closeAfter)
            throws IOException, DatabaseUnavailableException {
        long start = System.nanoTime();
        int n = batch.request().transactions().size();
        String status = "complete";
        Cursor at = new Cursor(from, batch.epoch());
        try {
            // A batch this request just created has no outcome recorded: nothing to look up.
            TreeMap<Integer, BatchStore.Recorded> recorded = batch.created() && from == 1 ? new TreeMap<>()
                    : store.lines(batch.id(), from);
            for (; at.seq <= n; at.seq++) {
                BatchStore.Recorded r = recorded.get(at.seq);
                Line line;
                if (r == null) {
                    ClientGate.awaitClient(exporter.connection(), frontend, batch.id(), at.seq);
                    line = execute(batch, at, recorded, sink, exporter, ordinal, closeAfter);
                } else {
                    metrics.lineResent();
                    at.count(r.committed());
                    line = new Line(r.line(), LineState.TO_WRITE);
                }
                switch (line.state()) {
                    case TO_WRITE -> {
                        slowdown.pause();
                        sink.line(line.text().getBytes(StandardCharsets.UTF_8));
                    }
                    case LEFT -> sink.finishLine();
                    case WRITTEN -> { }
                }
                hook(Hooks.Point.AFTER_LINE, batch.id(), at.seq, exporter.connection());
            }
        } catch (SessionTakenOverException e) {
            status = "taken-over";
            metrics.batchTakenOver();
            LOG.info("{}: batch {} was taken over by another request", frontend, batch.id());
        } catch (SQLException e) {
            metrics.databaseError();
            throw new DatabaseUnavailableException("database unavailable: " + DatabaseGate.cause(e), e).at(at.seq);
        } catch (DatabaseUnavailableException e) {
            throw e.at(at.seq);
        }
        try {
            // Every outcome from 1 to n passed through the loop: its counts are the recorded ones.
            BatchStore.Counts counts = from == 1 && status.equals("complete") ? new BatchStore.Counts(at.committed, at.aborted)
                    : null;
            summarize(batch.id(), status, n, counts, sink, exporter, ordinal, closeAfter);
        } catch (DatabaseUnavailableException e) {
            throw e.at(n + 1);
        }
        metrics.batchCompleted(System.nanoTime() - start);
    }

    /**
     * Where {@link #run} stands in the batch, and the outcomes of the lines sent from its {@code
     * from} on (the summary's counts when {@code from} is 1: no need to ask the database for what
     * the loop has seen). A transaction thread running a stretch moves it; the request's thread
     * reads it once the hand-over returned or threw.
     */
    private static final class Cursor {
        int seq;
        long epoch;
        int committed;
        int aborted;

        Cursor(int seq, long epoch) {
            this.seq = seq;
            this.epoch = epoch;
        }

        void count(boolean committedOne) {
            if (committedOne) {
                committed++;
            } else {
                aborted++;
            }
        }
    }

    /** The line at the cursor when a stretch ends: still to write, left to {@link ResponseSink#finishLine}, or written. */
    private enum LineState { TO_WRITE, LEFT, WRITTEN }

    private record Line(String text, LineState state) {}

    /**
     * Ends the response of a request that a newer request for the same batch id superseded
     * before it could take the batch (back) over: the summary {@code taken-over}, and nothing run.
     */
    public void endSuperseded(String batchId, SupersededException why, Snapshot.InBatch resumedFrom, ResponseSink sink,
            SnapshotExporter exporter, long ordinal, boolean closeAfter) throws IOException, DatabaseUnavailableException {
        metrics.batchTakenOver();
        LOG.info("{}: not running batch {} (the response ends as taken-over): {}", frontend, batchId, why.getMessage());
        int n;
        try {
            n = store.find(batchId).map(BatchStore.StoredBatch::transactions).orElse(0);
            if (resumedFrom != null && resumedFrom.tid() != null) {
                // After its snapshot the previous holder may have written one thing: the line of the
                // snapshot's transaction, if it committed. The continuation must be those same bytes.
                String line = store.line(batchId, resumedFrom.seq(), resumedFrom.tid()).orElse(null);
                if (line != null) {
                    sink.line(line.getBytes(StandardCharsets.UTF_8));
                }
            }
        } catch (SQLException e) {
            metrics.databaseError();
            throw new DatabaseUnavailableException("database unavailable: " + DatabaseGate.cause(e), e);
        }
        summarize(batchId, "taken-over", n, null, sink, exporter, ordinal, closeAfter);
    }

    /**
     * Ends a batch response that cannot go on for want of the database, within the clients'
     * response-time threshold: the error line and the {@code database_unavailable} summary
     * ({@link Lines#unavailable}), as one chunk, in an {@link Snapshot.Ending} snapshot first so
     * that a migration in the middle delivers the same bytes. {@code seq} is where the batch
     * stopped when {@code e} does not say.
     */
    public void endUnavailable(String batchId, DatabaseUnavailableException e, int seq, ResponseSink sink,
            SnapshotExporter exporter, long ordinal, boolean closeAfter) throws IOException {
        int next = e.seq() > 0 ? e.seq() : seq;
        LOG.warn("{}: batch {} stops before seq {}: {}; the client gets the error and may re-post", frontend, batchId, next,
                e.getMessage());
        String text = Lines.unavailable(batchId, next, e.getMessage(), frontend);
        exporter.export(new Snapshot.Ending(ordinal, closeAfter, text, sink.lines()));
        sink.line(text.getBytes(StandardCharsets.UTF_8));
        sink.finish();
    }

    /**
     * The summary line (counts as recorded: {@code known}, or read from the database when null), in
     * an {@link Snapshot.Ending} snapshot first, then the end of the response.
     */
    private void summarize(String batchId, String status, int n, BatchStore.Counts known, ResponseSink sink,
            SnapshotExporter exporter, long ordinal, boolean closeAfter) throws IOException, DatabaseUnavailableException {
        BatchStore.Counts counts = known;
        if (counts == null) {
            try {
                counts = store.counts(batchId);
            } catch (SQLException e) {
                metrics.databaseError();
                throw new DatabaseUnavailableException("database unavailable: " + DatabaseGate.cause(e), e);
            }
        }
        String summary = Lines.summary(batchId, status, n, counts.committed(), counts.aborted());
        exporter.export(new Snapshot.Ending(ordinal, closeAfter, summary, sink.lines()));
        hook(Hooks.Point.BEFORE_SUMMARY, batchId, n + 1, exporter.connection());
        slowdown.pause();
        sink.line(summary.getBytes(StandardCharsets.UTF_8));
        sink.finish();
    }

    /**
     * Runs transaction {@code at.seq}, and with it a stretch of the next ones where it can ({@link
     * #stretch}). When the database fails before the failing transaction's own snapshot (nothing of it can
     * have committed), a snapshot "before seq" goes out first: the last one would otherwise be the
     * previous transaction's, after which its line was written, and a front-end resuming without
     * the database could not regenerate that line. From "before seq" it has nothing to regenerate,
     * and ends the response with the batch's error line when the database is still down.
     */
    private Line execute(Batch batch, Cursor at, TreeMap<Integer, BatchStore.Recorded> recorded, ResponseSink sink,
            SnapshotExporter exporter, long ordinal, boolean closeAfter)
            throws IOException, SessionTakenOverException, SQLException, DatabaseUnavailableException {
        try {
            TransactionThreads threads = transactionThreads;
            if (threads == null) {
                return stretch(batch, at, recorded, sink, exporter, ordinal, closeAfter, false);
            }
            boolean mayGoOn = sink.writesWithoutWaiting();
            return threads.run(() -> stretch(batch, at, recorded, sink, exporter, ordinal, closeAfter, mayGoOn));
        } catch (SQLException | DatabaseUnavailableException e) {
            if (!(exporter.last() instanceof Snapshot.InBatch b && b.seq() == at.seq && b.tid() != null)) {
                exporter.export(new Snapshot.InBatch(ordinal, closeAfter, batch.id(), batch.session(), at.seq, null,
                        sink.lines()));
            }
            throw e;
        } catch (IOException | SessionTakenOverException | RuntimeException e) {
            throw e;   // MigratedException (a RuntimeException) among them, as on the request's own thread
        } catch (Exception e) {
            throw new IllegalStateException("unexpected failure of a transaction", e);
        }
    }

    /**
     * Runs transaction {@code at.seq} and returns its line to write. On a transaction thread
     * ({@code mayGoOn}), it writes the line itself when nothing asks for the request's thread and
     * the write needs no waiting, then goes on with the next transaction, within the bound of
     * {@link TransactionThreads#stretchMayGoOn}: the two thread hops per transaction saved. Whatever
     * else may wait or needs the request's thread (the slow-down, test hooks, a slow client, the
     * client gone, a recorded line, a failure) ends the stretch, and the request's thread goes on as
     * it would after one transaction; so every step is the same on both threads, in the same order.
     */
    private Line stretch(Batch batch, Cursor at, TreeMap<Integer, BatchStore.Recorded> recorded, ResponseSink sink,
            SnapshotExporter exporter, long ordinal, boolean closeAfter, boolean mayGoOn)
            throws IOException, SessionTakenOverException, SQLException, DatabaseUnavailableException {
        long started = System.nanoTime();
        for (int ran = 1; ; ran++) {
            TransactionRunner.Executed e = runner.run(batch, at.epoch, at.seq, sink, exporter, ordinal, closeAfter);
            at.epoch = e.epoch();
            at.count(e.committed());
            if (!mayGoOn || hooks != Hooks.NONE || slowdown.delayMillis() > 0) {
                return new Line(e.line(), LineState.TO_WRITE);
            }
            if (!sink.tryLine(e.line().getBytes(StandardCharsets.UTF_8))) {
                return new Line(e.line(), LineState.LEFT);
            }
            // The line is written; its AFTER_LINE hook is a no-op while there are no hooks.
            int next = at.seq + 1;
            if (hooks != Hooks.NONE || next > batch.request().transactions().size() || recorded.containsKey(next)
                    || !TransactionThreads.stretchMayGoOn(ran, started, System.nanoTime())
                    || !ClientGate.linked(exporter.connection())) {
                return new Line(e.line(), LineState.WRITTEN);
            }
            at.seq = next;   // the request's thread would check the client (just done) and go on here
        }
    }
}
