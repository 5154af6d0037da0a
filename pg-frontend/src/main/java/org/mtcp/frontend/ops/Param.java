package org.mtcp.frontend.ops;

import java.util.Objects;

/** One declared argument of an operation. */
public record Param(String name, ParamType type, boolean required) {

    public Param {
        Objects.requireNonNull(name);
        Objects.requireNonNull(type);
    }

    public static Param required(String name, ParamType type) {
        return new Param(name, type, true);
    }

    public static Param optional(String name, ParamType type) {
        return new Param(name, type, false);
    }
}
