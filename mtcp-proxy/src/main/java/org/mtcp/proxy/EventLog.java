package org.mtcp.proxy;

import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.function.Consumer;

/**
 * The operational lines of the proxy and of the command-line tools (startup, connections,
 * migrations): one line per event,
 * {@code <UTC timestamp with milliseconds> <text>}, written whole and flushed, so that scripts
 * and tests can follow a process by reading its output. Diagnostics (warnings, the transport's
 * own logging) go through SLF4J to stderr instead. The formats are documented in
 * {@code docs/cli.md}.
 */
public final class EventLog {

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final PrintStream out;
    private final Consumer<String> texts;

    public EventLog(PrintStream out) {
        this.out = out;
        this.texts = null;
    }

    private EventLog(Consumer<String> texts) {
        this.out = null;
        this.texts = texts;
    }

    /** A log that hands each event's text, without a timestamp, to {@code texts} (an embedding that writes its own lines). */
    public static EventLog to(Consumer<String> texts) {
        return new EventLog(java.util.Objects.requireNonNull(texts, "texts"));
    }

    /** Writes {@code <timestamp> <text>} as one line. */
    public void log(String text) {
        if (texts != null) {
            texts.accept(text);
            return;
        }
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
