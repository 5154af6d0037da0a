package org.mtcp.frontend.ops;

/**
 * Thrown by an operation to abort its transaction with an application error (insufficient
 * funds, unknown account): the engine rolls the operation's work back, records the outcome
 * {@code aborted} with this code and message, and the batch goes on.
 */
public final class OperationFailure extends Exception {

    private final String code;

    public OperationFailure(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
