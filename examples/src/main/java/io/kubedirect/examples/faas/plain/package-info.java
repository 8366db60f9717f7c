/**
 * The example FaaS slice written as ordinary client-java controllers that talk through the API Server:
 * {@link io.kubedirect.examples.faas.plain.ReplicaSetController} (creates pods),
 * {@link io.kubedirect.examples.faas.plain.SchedulerController} (binds them) and
 * {@link io.kubedirect.examples.faas.plain.SandboxManager} (stands in for the kubelet and reports them Ready).
 * The package {@code io.kubedirect.examples.faas.direct} holds the same controllers retrofitted with kubedirect.
 */
package io.kubedirect.examples.faas.plain;
