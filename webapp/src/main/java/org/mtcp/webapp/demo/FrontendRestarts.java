package org.mtcp.webapp.demo;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.mtcp.frontend.FrontendServer.DrainReport;

/**
 * The page's <em>Restart</em> button: a rolling-deploy step on one front-end. The front-end is
 * drained (it refuses new clients, its clients move to its peers, it stops), then started again
 * on the same ports with the same name; its {@link FrontendPhase} says where it is, for the page.
 * One restart at a time per front-end: asking again while one runs is answered
 * {@link Verdict#BUSY} (unless it is the same request again, see {@link #request}).
 *
 * <p>And the page's <em>Kill</em> button ({@link #kill}): the front-end crashes (no drain, no
 * goodbye: {@link Steps#kill}), stays {@link FrontendPhase#KILLED} for a while, then starts again
 * as after a drain; a <em>Restart</em> while it is down starts it at once.
 *
 * <p>Like a front-end's admin endpoint, a restart needs the admin token: the demo's relay
 * ({@link DemoResources}) holds it and presents it; the page never sees it.
 *
 * <p>Each restart runs on a thread of its own, never on the thread of the request that asked for
 * it (that request may well be served by the front-end being drained). What it does goes to the
 * demo's events, one line per step; a failure is one line too (no stack trace) and leaves the
 * front-end {@link FrontendPhase#FAILED}: the next <em>Restart</em> tries the start again.
 */
final class FrontendRestarts {

    /** The two halves of a restart, done by the demo, which owns the front-ends. */
    interface Steps {
        /** Drains the running front-end {@code name} (up to {@code timeout}) until it has stopped. */
        DrainReport drain(String name, Duration timeout);

        /** Starts {@code name} again on its own ports; returns where, for the events ("service port ..."). */
        String start(String name) throws Exception;

        /**
         * Crashes the running front-end {@code name} as a SIGKILL of its process would, and returns
         * when it has stopped; returns what was cut, for the events ("2 database sessions terminated").
         */
        String kill(String name) throws Exception;
    }

    /** What became of a request. */
    enum Verdict {
        /** The restart runs (or, for a repeated request, is the one that runs). */
        ACCEPTED,
        /** Another restart of that front-end is under way, or the demo is stopping. */
        BUSY,
        /** No front-end by that name. */
        UNKNOWN,
        /** The admin token is missing or wrong. */
        FORBIDDEN
    }

    /** The answer to a request: the verdict, the front-end's phase now, and a sentence for the page. */
    record Answer(Verdict verdict, String frontend, FrontendPhase phase, String message) {}

    /** A front-end's phase and, when {@link FrontendPhase#FAILED}, why. */
    record Status(FrontendPhase phase, String error) {}

    /** One front-end's restart state; guarded by the {@link FrontendRestarts} it belongs to. */
    private static final class Slot {
        FrontendPhase phase = FrontendPhase.SERVING;
        String error;
        String request;          // the id of the request that started the restart or kill under way, or null
        boolean down;            // KILLED and stopped: the kill's steps are done, a Restart may start it
    }

    private final Steps steps;
    private final Duration drainTimeout;
    private final Duration killDowntime;
    private final byte[] adminToken;
    private final Consumer<String> events;
    private final Map<String, Slot> slots = new LinkedHashMap<>();   // guarded by this
    private boolean closed;                                          // guarded by this

    /**
     * @param names the front-ends, all serving
     * @param drainTimeout how long a drain waits for the clients to move before it drops them
     * @param killDowntime how long a killed front-end stays down before it starts again by itself
     * @param adminToken what a request must present
     * @param events the demo's output (one line per step)
     */
    FrontendRestarts(List<String> names, Steps steps, Duration drainTimeout, Duration killDowntime, String adminToken,
            Consumer<String> events) {
        this.steps = Objects.requireNonNull(steps, "steps");
        this.drainTimeout = Objects.requireNonNull(drainTimeout, "drainTimeout");
        this.killDowntime = Objects.requireNonNull(killDowntime, "killDowntime");
        this.adminToken = adminToken.getBytes(StandardCharsets.UTF_8);
        this.events = Objects.requireNonNull(events, "events");
        for (String name : names) {
            slots.put(name, new Slot());
        }
    }

    /**
     * Starts a restart of {@code name}: a drain, then a start; or only the start when the last one
     * failed (the front-end is stopped already). Returns at once.
     *
     * @param requestId the asker's id for this request, or null: the same id again while that
     *     restart runs is answered {@link Verdict#ACCEPTED} as the first time. The page sends one per
     *     click, because its request may be run twice: when the drain moves the request's connection
     *     before the front-end has stored its answer, the peer that takes the connection over runs it
     *     again.
     * @param token the admin token
     */
    synchronized Answer request(String name, String requestId, String token) {
        if (!authorized(token)) {
            return new Answer(Verdict.FORBIDDEN, name, null, "an admin token is required to restart a front-end");
        }
        Slot slot = slots.get(name);
        if (slot == null) {
            return new Answer(Verdict.UNKNOWN, name, null, "no front-end named " + name);
        }
        if (closed) {
            return new Answer(Verdict.BUSY, name, slot.phase, "the demo is stopping");
        }
        if (slot.phase.restarting()) {
            if (requestId != null && requestId.equals(slot.request)) {
                return new Answer(Verdict.ACCEPTED, name, slot.phase, name + " is restarting (" + slot.phase.label() + ")");
            }
            return new Answer(Verdict.BUSY, name, slot.phase, name + " is already restarting (" + slot.phase.label()
                    + "): one restart at a time per front-end; it is back in a few seconds");
        }
        if (slot.phase == FrontendPhase.KILLED && !slot.down) {
            return new Answer(Verdict.BUSY, name, slot.phase, name + " is being killed: Restart once it is down");
        }
        boolean drainFirst = slot.phase == FrontendPhase.SERVING;
        slot.phase = drainFirst ? FrontendPhase.DRAINING : FrontendPhase.STARTING;
        slot.error = null;
        slot.request = requestId;
        events.accept(drainFirst
                ? "restart of " + name + ": draining it (its clients move to its peers; up to " + drainTimeout.toMillis() + " ms)"
                : "restart of " + name + ": starting it again (it was stopped)");
        notifyAll();    // a killed one's wait for its revival ends: this restart starts it
        Thread.ofPlatform().name("demo-restart-" + name).daemon(true).start(() -> run(name, drainFirst));
        return new Answer(Verdict.ACCEPTED, name, slot.phase, name + " is restarting (" + slot.phase.label() + ")");
    }

    /**
     * Crashes {@code name} ({@link Steps#kill}, on a thread of its own) and has it start again
     * after the kill downtime; returns at once. Only a serving front-end can be killed.
     *
     * @param requestId as for {@link #request}: the page's kill request may well be served by the
     *     front-end it kills, and then runs again on the replica that takes its connection over
     * @param token the admin token
     */
    synchronized Answer kill(String name, String requestId, String token) {
        if (!authorized(token)) {
            return new Answer(Verdict.FORBIDDEN, name, null, "an admin token is required to kill a front-end");
        }
        Slot slot = slots.get(name);
        if (slot == null) {
            return new Answer(Verdict.UNKNOWN, name, null, "no front-end named " + name);
        }
        if (closed) {
            return new Answer(Verdict.BUSY, name, slot.phase, "the demo is stopping");
        }
        if (slot.phase == FrontendPhase.KILLED && requestId != null && requestId.equals(slot.request)) {
            return new Answer(Verdict.ACCEPTED, name, slot.phase, killedMessage(name));
        }
        if (slot.phase != FrontendPhase.SERVING) {
            return new Answer(Verdict.BUSY, name, slot.phase, name + " is not serving (" + slot.phase.label()
                    + "): nothing to kill");
        }
        slot.phase = FrontendPhase.KILLED;
        slot.error = null;
        slot.request = requestId;
        slot.down = false;
        events.accept("kill of " + name + ": crashing it (its M-TCP server's sockets cut without a goodbye, "
                + "its database sessions terminated, nothing handed over)");
        notifyAll();
        Thread.ofPlatform().name("demo-kill-" + name).daemon(true).start(() -> runKill(name));
        return new Answer(Verdict.ACCEPTED, name, slot.phase, killedMessage(name));
    }

    private String killedMessage(String name) {
        return name + " is killed; it starts again in " + downtime() + " (or at Restart)";
    }

    /** The kill downtime for a sentence: "5 s", or "300 ms" below a second or between whole ones. */
    private String downtime() {
        long ms = killDowntime.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }

    private boolean authorized(String token) {
        return token != null && MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), adminToken);
    }

    synchronized Status status(String name) {
        Slot slot = slots.get(name);
        if (slot == null) {
            throw new IllegalArgumentException("no front-end " + name);
        }
        return new Status(slot.phase, slot.error);
    }

    /**
     * Waits until {@code name} is not restarting nor killed any more (at most {@code timeout}); its
     * phase then.
     */
    synchronized FrontendPhase awaitSettled(String name, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (status(name).phase().comingBack()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return status(name).phase();
    }

    /** The demo is stopping: no new restarts; one under way ends quietly (its start fails). */
    synchronized void close() {
        closed = true;
        notifyAll();    // a killed front-end waiting for its revival stays down
    }

    private void run(String name, boolean drainFirst) {
        long t0 = System.nanoTime();
        if (drainFirst) {
            DrainReport r;
            try {
                r = steps.drain(name, drainTimeout);
            } catch (RuntimeException e) {
                fail(name, "the drain failed: " + describe(e));
                return;
            }
            report(String.format(Locale.ROOT, "%s drained in %d ms: %d of %d connection(s) moved to peers, %d dropped",
                    name, r.took().toMillis(), r.moved(), r.held(), r.dropped()));
            enter(name, FrontendPhase.STARTING);
        }
        startAgain(name, t0);
    }

    /** A kill: the crash, then the downtime (cut short by a Restart, which then starts it), then a start. */
    private void runKill(String name) {
        long t0 = System.nanoTime();
        String cut;
        try {
            cut = steps.kill(name);
        } catch (Exception e) {
            fail(name, "the kill failed: " + describe(e));
            return;
        }
        report(String.format(Locale.ROOT, "%s killed in %d ms: %s; it starts again in %s (or at Restart)", name,
                (System.nanoTime() - t0) / 1_000_000, cut, downtime()));
        if (!awaitRevival(name)) {
            return;
        }
        report("revival of " + name + ": starting it again after the kill");
        startAgain(name, System.nanoTime());
    }

    /**
     * Marks the killed {@code name} down and waits out the downtime; true when it is still killed
     * then (it is now STARTING, to be started by the caller), false when a Restart took over or the
     * demo is stopping.
     */
    private synchronized boolean awaitRevival(String name) {
        Slot slot = slots.get(name);
        slot.down = true;
        notifyAll();
        long deadline = System.nanoTime() + killDowntime.toNanos();
        try {
            for (long left = killDowntime.toNanos(); left > 0 && slot.phase == FrontendPhase.KILLED && !closed;
                    left = deadline - System.nanoTime()) {
                wait(Math.max(1, left / 1_000_000));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();    // a daemon thread nobody interrupts: stay down, quietly
            return false;
        }
        if (slot.phase != FrontendPhase.KILLED || closed) {
            return false;
        }
        slot.phase = FrontendPhase.STARTING;
        notifyAll();
        return true;
    }

    /** The start half of a restart or revival: SERVING, or FAILED with one line saying why. */
    private void startAgain(String name, long t0) {
        String where;
        try {
            where = steps.start(name);
        } catch (Exception e) {
            fail(name, describe(e));
            return;
        }
        // the line first: whoever sees the front-end serving again finds it said (as fail() does)
        report(String.format(Locale.ROOT, "%s is serving again on %s (restart took %.1f s)", name, where,
                (System.nanoTime() - t0) / 1e9));
        enter(name, FrontendPhase.SERVING);
    }

    private synchronized void enter(String name, FrontendPhase phase) {
        Slot slot = slots.get(name);
        slot.phase = phase;
        if (!phase.restarting()) {
            slot.request = null;
        }
        notifyAll();
    }

    private synchronized void fail(String name, String why) {
        Slot slot = slots.get(name);
        slot.phase = FrontendPhase.FAILED;
        slot.error = why;
        slot.request = null;
        notifyAll();
        // A start cut short by the demo stopping is no news: the demo says it is stopping.
        report("restart of " + name + " failed: " + why + "; " + name + " stays stopped (Restart tries the start again)");
    }

    private synchronized void report(String line) {
        if (!closed) {
            events.accept(line);
        }
    }

    /** A sentence for the page and the terminal: the exception's message, never its stack trace. */
    static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }
}
