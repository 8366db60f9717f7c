/**
 * The chain with every stage in its own JVM ({@link
 * io.kubedirect.examples.faas.process.ProcessChain}), each a {@code StageMain} process talking to
 * the others over loopback TCP (mutual TLS on the direct links, certificates from a throwaway CA:
 * {@link io.kubedirect.examples.faas.process.TlsMaterial}), as the stages would run in a cluster.
 */
package io.kubedirect.examples.faas.process;
