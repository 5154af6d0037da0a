package org.mtcp.frontend.batch;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Collection;
import org.mtcp.jdbc.TxId;

/**
 * The NDJSON lines of a batch response, with a fixed field order. A transaction's line is made
 * once, by the front-end that ran it, stored with its outcome, and re-sent verbatim by any
 * front-end that reports it later: that is what keeps a resumed response byte-identical.
 *
 * <pre>
 * {"seq":1,"outcome":"committed","tid":"1:771","result":{...},"frontend":"fe1"}
 * {"seq":2,"outcome":"aborted","tid":"1:772","error":{"code":"insufficient_funds","message":"..."},"frontend":"fe1"}
 * {"summary":true,"batch":"b-42","status":"complete","transactions":2,"committed":1,"aborted":1}
 * </pre>
 *
 * <p>{@code tid} is the transaction's id, {@code timeline:xid} ({@link TxId}).
 */
public final class Lines {

    private Lines() {}

    public static String committed(int seq, TxId tid, JsonNode result, String frontend) {
        return write(g -> {
            g.writeNumberField("seq", seq);
            g.writeStringField("outcome", "committed");
            g.writeStringField("tid", tid.toString());
            g.writeFieldName("result");
            if (result == null) {
                g.writeNull();
            } else {
                g.writeTree(result);
            }
            g.writeStringField("frontend", frontend);
        });
    }

    public static String aborted(int seq, TxId tid, String code, String message, String frontend) {
        return write(g -> {
            g.writeNumberField("seq", seq);
            g.writeStringField("outcome", "aborted");
            g.writeStringField("tid", tid.toString());
            g.writeObjectFieldStart("error");
            g.writeStringField("code", code);
            g.writeStringField("message", message == null ? "" : message);
            g.writeEndObject();
            g.writeStringField("frontend", frontend);
        });
    }

    /**
     * The last line. {@code status} is {@code complete}, or {@code taken-over} when another
     * request for the same batch id took it over (the client should read that one).
     */
    public static String summary(String batch, String status, int transactions, int committed, int aborted) {
        return write(g -> {
            g.writeBooleanField("summary", true);
            g.writeStringField("batch", batch);
            g.writeStringField("status", status);
            g.writeNumberField("transactions", transactions);
            g.writeNumberField("committed", committed);
            g.writeNumberField("aborted", aborted);
        });
    }

    /**
     * The end of a batch response that cannot go on because the database is unreachable: an error
     * line for the first transaction not reported ({@code seq}: it did not run here, or its outcome
     * is recorded and a re-post reports it), then the summary with status
     * {@code database_unavailable} and {@code next} instead of counts (the database can't be asked).
     * Re-posting the batch id continues it once the database is back.
     */
    public static String unavailable(String batch, int seq, String message, String frontend) {
        return write(g -> {
            g.writeNumberField("seq", seq);
            g.writeObjectFieldStart("error");
            g.writeStringField("code", "database_unavailable");
            g.writeStringField("message", message == null ? "" : message);
            g.writeEndObject();
            g.writeStringField("frontend", frontend);
        }) + write(g -> {
            g.writeBooleanField("summary", true);
            g.writeStringField("batch", batch);
            g.writeStringField("status", "database_unavailable");
            g.writeNumberField("next", seq);
        });
    }

    /** An error body (4xx/5xx, not NDJSON): {"error":{"code":..,"message":..,"path":..}}. */
    public static String error(String code, String message, String path) {
        return write(g -> {
            g.writeObjectFieldStart("error");
            g.writeStringField("code", code);
            g.writeStringField("message", message == null ? "" : message);
            if (path != null) {
                g.writeStringField("path", path);
            }
            g.writeEndObject();
        });
    }

    static String list(Collection<String> values) {
        return String.join(",", values);
    }

    @FunctionalInterface
    interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static String write(Body body) {
        StringWriter w = new StringWriter(128);
        try (JsonGenerator g = BatchParser.mapper().getFactory().createGenerator(w)) {
            g.writeStartObject();
            body.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.append('\n').toString();
    }
}
