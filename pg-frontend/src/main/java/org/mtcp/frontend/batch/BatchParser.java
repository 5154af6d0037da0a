package org.mtcp.frontend.batch;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Pattern;
import org.mtcp.frontend.ops.Arguments;
import org.mtcp.frontend.ops.Operation;
import org.mtcp.frontend.ops.Operations;

/**
 * Parses and validates a batch request body (format: {@code docs/http-api.md}). Everything is
 * checked here, before the batch is stored or anything runs: JSON syntax, shape, batch id,
 * operation names, every argument against its operation's declaration, and the limits.
 */
public final class BatchParser {

    public static final Pattern BATCH_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,99}");

    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).maxStringLength(64 * 1024).build())
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private final Operations operations;
    private final int maxTransactions;

    public BatchParser(Operations operations, int maxTransactions) {
        this.operations = operations;
        this.maxTransactions = maxTransactions;
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public BatchRequest parse(byte[] body) throws BadRequestException {
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (IOException e) {
            throw new BadRequestException(400, "malformed_json", "the body is not valid JSON: "
                    + firstLine(e.getMessage()), null);
        }
        if (root == null || root.isMissingNode()) {
            throw new BadRequestException(400, "malformed_json", "the body is empty", null);
        }
        if (!root.isObject()) {
            throw new BadRequestException(400, "bad_request", "the body must be a JSON object", null);
        }
        Iterator<String> fields = root.fieldNames();
        while (fields.hasNext()) {
            String f = fields.next();
            if (!f.equals("id") && !f.equals("transactions")) {
                throw new BadRequestException(400, "bad_request", "unknown field '" + f
                        + "' (expected id, transactions)", f);
            }
        }
        String id = null;
        JsonNode idNode = root.get("id");
        if (idNode != null && !idNode.isNull()) {
            if (!idNode.isTextual() || !BATCH_ID.matcher(idNode.textValue()).matches()) {
                throw new BadRequestException(400, "bad_request",
                        "id must be a string of 1 to 100 letters, digits and . _ : - (starting with a letter or digit)", "id");
            }
            id = idNode.textValue();
        }
        JsonNode txs = root.get("transactions");
        if (txs == null || !txs.isArray()) {
            throw new BadRequestException(400, "bad_request", "transactions must be an array", "transactions");
        }
        if (txs.size() > maxTransactions) {
            throw new BadRequestException(413, "too_large", "a batch holds at most " + maxTransactions
                    + " transactions, got " + txs.size(), "transactions");
        }
        List<Transaction> list = new ArrayList<>(txs.size());
        ArrayNode canonicalTxs = MAPPER.createArrayNode();
        for (int i = 0; i < txs.size(); i++) {
            String path = "transactions[" + i + "]";
            JsonNode tx = txs.get(i);
            if (!tx.isObject()) {
                throw new BadRequestException(400, "bad_request", "each transaction must be an object", path);
            }
            Iterator<String> names = tx.fieldNames();
            while (names.hasNext()) {
                String f = names.next();
                if (!f.equals("op") && !f.equals("args")) {
                    throw new BadRequestException(400, "bad_request", "unknown field '" + f + "' (expected op, args)",
                            path + "." + f);
                }
            }
            JsonNode opNode = tx.get("op");
            if (opNode == null || !opNode.isTextual()) {
                throw new BadRequestException(400, "bad_request", "op must be a string", path + ".op");
            }
            Operation op = operations.get(opNode.textValue()).orElseThrow(() -> new BadRequestException(400,
                    "unknown_operation", "unknown operation '" + opNode.textValue() + "'", path + ".op"));
            JsonNode args = tx.get("args");
            Arguments validated;
            try {
                validated = Operations.validate(op, args);
            } catch (Operations.InvalidArgumentsException e) {
                throw new BadRequestException(400, "invalid_arguments", e.getMessage(), path + "." + e.path());
            }
            ObjectNode canonical = canonicalTxs.addObject();
            canonical.put("op", op.name());
            ObjectNode canonicalArgs = canonical.putObject("args");
            for (var p : op.params()) {
                JsonNode v = args == null ? null : args.get(p.name());
                if (v != null && !v.isNull()) {
                    canonicalArgs.set(p.name(), v);
                }
            }
            list.add(new Transaction(op, canonicalArgs, validated));
        }
        ObjectNode canonicalRoot = MAPPER.createObjectNode();
        canonicalRoot.set("transactions", canonicalTxs);
        String canonical;
        try {
            canonical = MAPPER.writeValueAsString(canonicalRoot);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return new BatchRequest(id, list, canonical);
    }

    /** Rebuilds a stored batch's transactions from its canonical JSON (on a resuming front-end). */
    public BatchRequest parseStored(String id, String canonical) throws BadRequestException {
        ObjectNode root;
        try {
            root = (ObjectNode) MAPPER.readTree(canonical);
        } catch (IOException | ClassCastException e) {
            throw new BadRequestException(500, "corrupt_batch", "stored batch " + id + " is not valid JSON", null);
        }
        root.put("id", id);
        try {
            return parse(MAPPER.writeValueAsBytes(root));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
