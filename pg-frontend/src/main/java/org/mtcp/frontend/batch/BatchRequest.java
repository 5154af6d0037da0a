package org.mtcp.frontend.batch;

import java.util.List;

/**
 * A validated batch: the client's id (or null: the front-end makes one) and its transactions.
 *
 * @param id the client-chosen batch id, or null
 * @param transactions the transactions, in order (seq 1 is the first)
 * @param canonical the request in canonical JSON (what is stored, hashed and compared on re-post)
 */
public record BatchRequest(String id, List<Transaction> transactions, String canonical) {

    public BatchRequest {
        transactions = List.copyOf(transactions);
    }
}
