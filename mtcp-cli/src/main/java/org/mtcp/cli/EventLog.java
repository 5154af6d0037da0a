package org.mtcp.cli;

import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The operational lines of the tools (startup, connections, migrations): one line per event,
 * {@code <UTC timestamp with milliseconds> <text>}, written whole and flushed, so that scripts
 * and tests can follow a process by reading its output. Diagnostics (warnings, the transport's
 * own logging) go through SLF4J to stderr instead. The formats are documented in
 * {@code docs/cli.md}.
 */
public final class EventLog {

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final PrintStream out;

    public EventLog(PrintStream out) {
        this.out = out;
    }

    /** Writes {@code <timestamp> <text>} as one line. */
    public void log(String text) {
        String line = TIME.format(Instant.now()) + " " + text;
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }

    /** A log that drops everything (in-process tests). */
    public static EventLog discard() {
        return new EventLog(new PrintStream(java.io.OutputStream.nullOutputStream()));
    }
}
