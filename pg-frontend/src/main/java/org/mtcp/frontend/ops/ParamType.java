package org.mtcp.frontend.ops;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.Locale;

/** The types an operation's arguments can have; JSON values are checked against them before anything runs. */
public enum ParamType {
    /** A JSON integer that fits in 64 bits. */
    INTEGER,
    /** Any JSON number, read exactly (BigDecimal). */
    NUMBER,
    /** A JSON string. */
    STRING,
    /** true or false. */
    BOOLEAN;

    /** Whether {@code value} is acceptable for this type. */
    boolean accepts(JsonNode value) {
        return switch (this) {
            case INTEGER -> value.isIntegralNumber() && value.canConvertToLong();
            case NUMBER -> value.isNumber();
            case STRING -> value.isTextual();
            case BOOLEAN -> value.isBoolean();
        };
    }

    /** Why {@code value} is refused for this type (it is not {@link #accepts accepted}), for the 400 error. */
    String refusal(JsonNode value) {
        if (this == INTEGER && value.isIntegralNumber()) {
            return "must be an integer from " + Long.MIN_VALUE + " to " + Long.MAX_VALUE + ", got " + value.asText();
        }
        String type = jsonName();
        return "must be " + (type.startsWith("i") ? "an " : "a ") + type + ", got "
                + value.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    Object toJava(JsonNode value) {
        return switch (this) {
            case INTEGER -> value.longValue();
            case NUMBER -> value.isBigDecimal() ? value.decimalValue() : new BigDecimal(value.asText());
            case STRING -> value.textValue();
            case BOOLEAN -> value.booleanValue();
        };
    }

    /** Parses a type name of an SQL operations file: bigint/int/integer, numeric/number, text/string, boolean/bool. */
    public static ParamType parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "bigint", "int", "integer", "int8", "int4" -> INTEGER;
            case "numeric", "number", "decimal" -> NUMBER;
            case "text", "string", "varchar" -> STRING;
            case "boolean", "bool" -> BOOLEAN;
            default -> throw new IllegalArgumentException("unknown parameter type '" + name
                    + "' (bigint, numeric, text or boolean)");
        };
    }

    public String jsonName() {
        return switch (this) {
            case INTEGER -> "integer";
            case NUMBER -> "number";
            case STRING -> "string";
            case BOOLEAN -> "boolean";
        };
    }
}
