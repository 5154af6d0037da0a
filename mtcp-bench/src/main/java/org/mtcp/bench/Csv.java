package org.mtcp.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** A CSV file of raw numbers: a header line, then one line per row; values are never quoted. */
public final class Csv implements AutoCloseable {

    private final Writer out;
    private final int columns;

    public Csv(Path file, List<String> header) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        columns = header.size();
        out.write(String.join(",", header));
        out.write('\n');
    }

    public void row(Object... values) {
        if (values.length != columns) {
            throw new IllegalArgumentException(values.length + " values for " + columns + " columns");
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                b.append(',');
            }
            Object v = values[i];
            if (v instanceof Double d) {
                b.append(String.format(Locale.ROOT, "%.3f", d));
            } else {
                String s = String.valueOf(v);
                if (s.indexOf(',') >= 0 || s.indexOf('\n') >= 0) {
                    throw new IllegalArgumentException("CSV value with a comma or newline: " + s);
                }
                b.append(s);
            }
        }
        b.append('\n');
        try {
            out.write(b.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
