/**
 * JMH micro-benchmarks of the transport's hot paths (target/benchmarks.jar). They measure
 * internals (the wire codec, the offset buffer) directly, so this package is the one main code
 * outside mtcp-core allowed to use {@code org.mtcp.core.internal}: the class path ignores
 * mtcp-core's module-info, and mtcp-dist's ModuleBoundariesTest names this exception.
 */
package org.mtcp.bench.jmh;
