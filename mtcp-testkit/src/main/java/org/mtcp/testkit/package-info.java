/**
 * A whole pool in one process, on loopback: {@link org.mtcp.testkit.LoopbackPool} starts N
 * servers on free ports and serves an application on each; {@link org.mtcp.testkit.TcpProxy}
 * puts a user-space relay on any path to emulate a round-trip time or a network fault (there is
 * no netem here). A module of its own so that no product jar carries it: the tests of every
 * module use it (test scope), and {@code mtcp-bench} alone in main code, because
 * {@code ./mtcp bench} measures in-process pools through delay relays.
 */
package org.mtcp.testkit;
