package org.mtcp.http;

/** One header field as received: the name keeps its case, the value has no surrounding spaces. */
public record HttpField(String name, String value) {

    public boolean is(String otherName) {
        return name.equalsIgnoreCase(otherName);
    }

    @Override
    public String toString() {
        return name + ": " + value;
    }
}
