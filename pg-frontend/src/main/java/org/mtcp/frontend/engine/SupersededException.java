package org.mtcp.frontend.engine;

/**
 * This front-end may not take the batch over ({@link BatchOwnership}), and must stop without
 * touching it: either the same request is held at a later epoch of its connection
 * ({@link BatchOwnership.Verdict#CONNECTION_MOVED_ON}: this front-end lost the connection), or a
 * newer request took the batch ({@link BatchOwnership.Verdict#NEWER_REQUEST}: this response ends
 * with {@code taken-over}).
 */
public final class SupersededException extends Exception {

    private final BatchOwnership.Verdict verdict;

    public SupersededException(BatchOwnership.Verdict verdict, String message) {
        super(message, null, false, false);
        if (verdict == BatchOwnership.Verdict.TAKE_OVER) {
            throw new IllegalArgumentException("a takeover is not a supersession");
        }
        this.verdict = verdict;
    }

    public BatchOwnership.Verdict verdict() {
        return verdict;
    }
}
