package org.mtcp.bench;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress on stderr while a benchmark runs: a line when a phase starts, and at most one line per
 * second (plus the last) while it counts, so a slow run is visibly alive and a fast one is quiet.
 */
public final class Progress {

    private final PrintStream err;
    private final String command;
    private final long started = System.nanoTime();
    private long lastLine;

    public Progress(PrintStream err, String command) {
        this.err = err;
        this.command = command;
    }

    /** A free-form line, e.g. what is about to run. */
    public void say(String format, Object... args) {
        err.printf(Locale.ROOT, "[%6.1fs] %s: %s%n", elapsedSeconds(), command, String.format(Locale.ROOT, format, args));
        err.flush();
    }

    /** {@code done} of {@code total} in the phase {@code what}; printed at most once a second. */
    public void count(String what, long done, long total) {
        long now = System.nanoTime();
        if (done < total && now - lastLine < 1_000_000_000L) {
            return;
        }
        lastLine = now;
        say("%s %d/%d", what, done, total);
    }

    public double elapsedSeconds() {
        return (System.nanoTime() - started) / 1e9;
    }
}
