package org.mtcp.frontend.batch;

import com.fasterxml.jackson.databind.JsonNode;
import org.mtcp.frontend.ops.Arguments;
import org.mtcp.frontend.ops.Operation;

/** One transaction of a batch: an operation, its raw JSON arguments and their validated form. */
public record Transaction(Operation op, JsonNode rawArgs, Arguments args) {
}
