package org.mtcp.frontend.engine;

/**
 * Who may take a batch over (docs/frontend.md, "Ownership"): the newest request for the batch id
 * wins in every interleaving.
 *
 * <p>A request is identified by its M-TCP connection and its number on that connection
 * ({@link Claimant#cid()}, {@link Claimant#request()}); it is served at a transport epoch, which
 * grows at every migration of the connection. A request that never held the batch is a new
 * request (a re-post): it always takes over. A request that held it before (its connection
 * migrated and the next front-end resumes the response, or replays the request) takes it back only
 * if it is still the owner, at an epoch not older than the owner's: once a newer request took the
 * batch, the old one is {@link Verdict#NEWER_REQUEST superseded} and must not fence the new one,
 * even if its front-end wakes up from a SIGSTOP or its connection migrates afterwards.
 */
public final class BatchOwnership {

    private BatchOwnership() {}

    /** One request: connection {@code cid}'s request number {@code request}, served at transport epoch {@code epoch}. */
    public record Claimant(String cid, long request, long epoch) {

        boolean sameRequest(String ownerCid, long ownerRequest) {
            return cid.equals(ownerCid) && request == ownerRequest;
        }

        @Override
        public String toString() {
            return "request " + request + " of connection " + cid + " (epoch " + epoch + ")";
        }
    }

    /** The outcome of a takeover attempt. */
    public enum Verdict {
        /** The claimant becomes the owner: it may fence the previous holder and run the batch. */
        TAKE_OVER,
        /** The same request, served at a later epoch of its connection, owns the batch: this holder lost the connection. */
        CONNECTION_MOVED_ON,
        /** Another request took the batch after this one: this one ends with {@code taken-over}, touching nothing. */
        NEWER_REQUEST
    }

    /**
     * Decides a takeover, given the current owner and whether the claimant's request ever held
     * the batch.
     */
    static Verdict decide(String ownerCid, long ownerRequest, long ownerEpoch, Claimant claimant, boolean claimedBefore) {
        if (claimant.sameRequest(ownerCid, ownerRequest)) {
            return ownerEpoch > claimant.epoch() ? Verdict.CONNECTION_MOVED_ON : Verdict.TAKE_OVER;
        }
        return claimedBefore ? Verdict.NEWER_REQUEST : Verdict.TAKE_OVER;
    }
}
