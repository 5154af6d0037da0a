/**
 * A whole pool in one process, on loopback: {@link org.mtcp.core.local.LoopbackPool} starts N
 * servers on free ports and serves an application on each; {@link org.mtcp.core.local.TcpProxy}
 * puts a user-space relay on any path to emulate a round-trip time or a network fault (there is
 * no netem here). Main code, not a test kit: {@code ./mtcp bench} measures through them, and the
 * tests of every module use them.
 */
package org.mtcp.core.local;
