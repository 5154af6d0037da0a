package org.mtcp.frontend.ops;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The registry of named operations a front-end runs: Java {@link Operation}s registered by the
 * front-end developer, and simple parameterized SQL ones declared in a file ({@link SqlOperationFile}).
 * Immutable once built.
 */
public final class Operations {

    private final Map<String, Operation> byName;

    private Operations(Map<String, Operation> byName) {
        this.byName = Collections.unmodifiableMap(new TreeMap<>(byName));
    }

    public static Builder builder() {
        return new Builder();
    }

    public Optional<Operation> get(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Collection<Operation> all() {
        return byName.values();
    }

    /**
     * Checks {@code args} (a JSON object, or null for none) against {@code op}'s declared
     * parameters: every required one present, no unknown one, every value of the declared type.
     */
    public static Arguments validate(Operation op, JsonNode args) throws InvalidArgumentsException {
        Map<String, Object> values = new LinkedHashMap<>();
        if (args != null && !args.isNull() && !args.isObject()) {
            throw new InvalidArgumentsException("args", "must be an object");
        }
        Map<String, Param> declared = new LinkedHashMap<>();
        for (Param p : op.params()) {
            declared.put(p.name(), p);
        }
        if (args != null && args.isObject()) {
            var names = args.fieldNames();
            while (names.hasNext()) {
                String name = names.next();
                if (!declared.containsKey(name)) {
                    throw new InvalidArgumentsException("args." + name,
                            "unknown argument of '" + op.name() + "' (expected " + declared.keySet() + ")");
                }
            }
        }
        for (Param p : op.params()) {
            JsonNode value = args == null || args.isNull() ? null : args.get(p.name());
            if (value == null || value.isNull()) {
                if (p.required()) {
                    throw new InvalidArgumentsException("args." + p.name(),
                            "missing required argument of '" + op.name() + "' (" + p.type().jsonName() + ")");
                }
                continue;
            }
            if (!p.type().accepts(value)) {
                throw new InvalidArgumentsException("args." + p.name(), p.type().refusal(value));
            }
            values.put(p.name(), p.type().toJava(value));
        }
        return new Arguments(values);
    }

    /** Arguments that don't match an operation's declaration. */
    public static final class InvalidArgumentsException extends Exception {
        private final String path;

        public InvalidArgumentsException(String path, String message) {
            super(message, null, false, false);
            this.path = path;
        }

        public String path() {
            return path;
        }
    }

    public static final class Builder {
        private final Map<String, Operation> byName = new LinkedHashMap<>();

        public Builder register(Operation op) {
            if (!op.name().matches("[A-Za-z][A-Za-z0-9_.-]{0,63}")) {
                throw new IllegalArgumentException("bad operation name '" + op.name() + "'");
            }
            if (byName.putIfAbsent(op.name(), op) != null) {
                throw new IllegalArgumentException("operation '" + op.name() + "' registered twice");
            }
            return this;
        }

        public Builder registerAll(Collection<? extends Operation> ops) {
            ops.forEach(this::register);
            return this;
        }

        /** Adds the operations declared in an SQL operations file (format: {@link SqlOperationFile}). */
        public Builder loadSql(Path file) throws IOException {
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                return registerAll(SqlOperationFile.parse(r, file.toString()));
            }
        }

        /** Adds the operations declared in an SQL operations file on the class path. */
        public Builder loadSqlResource(String resource) throws IOException {
            var in = Thread.currentThread().getContextClassLoader().getResourceAsStream(resource);
            if (in == null) {
                throw new IOException("no resource " + resource);
            }
            try (Reader r = new java.io.InputStreamReader(in, StandardCharsets.UTF_8)) {
                return registerAll(SqlOperationFile.parse(r, resource));
            }
        }

        public Operations build() {
            return new Operations(byName);
        }

        List<String> names() {
            return List.copyOf(byName.keySet());
        }
    }
}
