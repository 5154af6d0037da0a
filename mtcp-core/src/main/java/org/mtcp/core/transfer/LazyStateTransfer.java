package org.mtcp.core.transfer;

/** The paper's lazy transfer (Figure 3): state moves only when a client migrates. */
public final class LazyStateTransfer implements StateTransfer {
    @Override
    public String name() {
        return "lazy";
    }
}
