package org.mtcp.frontend.ops;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The validated arguments of one transaction, typed as the operation declared them. */
public final class Arguments {

    private final Map<String, Object> values;

    Arguments(Map<String, Object> values) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public Object get(String name) {
        return values.get(name);
    }

    public long getLong(String name) {
        return (Long) require(name);
    }

    public BigDecimal getDecimal(String name) {
        return (BigDecimal) require(name);
    }

    public String getString(String name) {
        return (String) require(name);
    }

    public boolean getBoolean(String name) {
        return (Boolean) require(name);
    }

    public Map<String, Object> asMap() {
        return values;
    }

    private Object require(String name) {
        Object v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no argument '" + name + "'");
        }
        return v;
    }
}
