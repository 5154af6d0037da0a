package org.mtcp.frontend.engine;

/**
 * Another holder of the same M-TCP connection, at a later epoch, owns the batch: this front-end
 * lost the connection while it was taking the batch over, and must stop without touching it.
 */
public final class SupersededException extends Exception {
    public SupersededException(String message) {
        super(message, null, false, false);
    }
}
