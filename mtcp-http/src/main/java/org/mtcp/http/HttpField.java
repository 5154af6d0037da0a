package org.mtcp.http;

import java.util.List;
import java.util.Optional;

/** One header field as received: the name keeps its case, the value has no surrounding spaces. */
public record HttpField(String name, String value) {

    /** The first value of the field named {@code name} (case-insensitive) in {@code fields}, if any. */
    static Optional<String> first(List<HttpField> fields, String name) {
        return fields.stream().filter(f -> f.is(name)).map(HttpField::value).findFirst();
    }

    public boolean is(String otherName) {
        return name.equalsIgnoreCase(otherName);
    }

    @Override
    public String toString() {
        return name + ": " + value;
    }
}
