/**
 * The in-memory transport: the test double for the network (like grpc-java's in-process transport) and the
 * base of the deterministic simulation.
 *
 * <ul>
 *   <li>{@link io.kubedirect.runtime.transport.inmemory.InMemoryNetwork}: the shared medium (addresses,
 *       connections, faults, trace); {@link io.kubedirect.runtime.transport.inmemory.InMemoryTransport}: one
 *       stage's {@link io.kubedirect.transport.Transport} on it.</li>
 *   <li>{@link io.kubedirect.runtime.transport.inmemory.FaultInjector},
 *       {@link io.kubedirect.runtime.transport.inmemory.FaultSpec},
 *       {@link io.kubedirect.runtime.transport.inmemory.FaultPlan}: faults on command, by policy, or
 *       scripted from a seed. Drop, duplicate and reorder deliberately break the TCP-like guarantees of the
 *       SPI (see {@code FaultSpec}); drop-with-reset and connection kills are what a real network does.</li>
 *   <li>{@link io.kubedirect.runtime.transport.inmemory.DeterministicTaskScheduler}: seeded virtual time
 *       (for real time use {@code io.kubedirect.runtime.client.ExecutorServiceTaskScheduler}).</li>
 *   <li>{@link io.kubedirect.runtime.transport.inmemory.DeliveryTrace}: a replayable record (hash) of a
 *       run.</li>
 * </ul>
 */
package io.kubedirect.runtime.transport.inmemory;
