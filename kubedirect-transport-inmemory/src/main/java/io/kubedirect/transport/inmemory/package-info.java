/**
 * The in-memory transport: the test double for the network (like grpc-java's in-process transport)
 * and the base of the deterministic simulation. It depends only on kubedirect-api, so users' own
 * tests can run their stages on it, with or without the runtime.
 *
 * <ul>
 *   <li>{@link io.kubedirect.transport.inmemory.InMemoryNetwork}: the shared medium (addresses,
 *       connections, faults, trace); {@link io.kubedirect.transport.inmemory.InMemoryTransport}:
 *       one stage's {@link io.kubedirect.transport.Transport} on it.
 *   <li>{@link io.kubedirect.transport.inmemory.FaultInjector}, {@link
 *       io.kubedirect.transport.inmemory.FaultSpec}, {@link
 *       io.kubedirect.transport.inmemory.FaultPlan}: faults on command, by policy, or scripted from
 *       a seed. Drop, duplicate and reorder deliberately break the TCP-like guarantees of the SPI
 *       (see {@code FaultSpec}); drop-with-reset and connection kills are what a real network does.
 *   <li>{@link io.kubedirect.transport.inmemory.DeterministicTaskScheduler}: seeded virtual time
 *       (for real time use any {@link io.kubedirect.transport.TaskScheduler}, e.g. the runtime's
 *       {@code io.kubedirect.runtime.client.ExecutorServiceTaskScheduler}).
 *   <li>{@link io.kubedirect.transport.inmemory.DeliveryTrace}: a replayable record (hash) of a
 *       run.
 * </ul>
 */
package io.kubedirect.transport.inmemory;
