package org.mtcp.core.transfer;

/**
 * How a connection's state reaches its next holder. {@link #lazy()} is the paper's lazy
 * transfer: the new holder fetches the state from the old one over the control channel when
 * the client arrives. A replicating strategy (push each snapshot to k peers before
 * {@code exportState} returns, surviving a dead holder) plugs in here.
 */
public interface StateTransfer {

    String name();

    static StateTransfer lazy() {
        return new LazyStateTransfer();
    }
}
