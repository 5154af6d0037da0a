package org.mtcp.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** The short table a bench command prints on stdout at the end: columns aligned, right-justified. */
public final class Table {

    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    public Table(String... header) {
        this.header = List.of(header);
    }

    public Table row(Object... cells) {
        if (cells.length != header.size()) {
            throw new IllegalArgumentException(cells.length + " cells for " + header.size() + " columns");
        }
        List<String> r = new ArrayList<>();
        for (Object c : cells) {
            r.add(String.valueOf(c));
        }
        rows.add(r);
        return this;
    }

    public void print(PrintStream out) {
        int[] width = new int[header.size()];
        for (int i = 0; i < width.length; i++) {
            width[i] = header.get(i).length();
            for (List<String> r : rows) {
                width[i] = Math.max(width[i], r.get(i).length());
            }
        }
        line(out, header, width);
        StringBuilder sep = new StringBuilder();
        for (int i = 0; i < width.length; i++) {
            sep.append(i == 0 ? "" : "  ").append("-".repeat(width[i]));
        }
        out.println(sep);
        for (List<String> r : rows) {
            line(out, r, width);
        }
        out.flush();
    }

    private static void line(PrintStream out, List<String> cells, int[] width) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < width.length; i++) {
            if (i > 0) {
                b.append("  ");
            }
            String c = cells.get(i);
            if (i == 0) {
                b.append(c).append(" ".repeat(width[i] - c.length()));
            } else {
                b.append(" ".repeat(width[i] - c.length())).append(c);
            }
        }
        out.println(b.toString().stripTrailing());
    }
}
