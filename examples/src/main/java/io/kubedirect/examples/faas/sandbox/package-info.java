/**
 * Simulated sandboxes that serve: {@link io.kubedirect.examples.faas.sandbox.SandboxRuntime} is
 * what a sandbox manager runs per pod; {@link
 * io.kubedirect.examples.faas.sandbox.HttpSandboxRuntime} gives every pod its own loopback HTTP
 * server ({@link io.kubedirect.examples.faas.sandbox.HttpSandbox}) with the function's service
 * time, container concurrency and cold start ({@link
 * io.kubedirect.examples.faas.sandbox.SandboxSpec}, from pod annotations). The pod's made-up IP
 * cannot be dialled on loopback, so the manager writes the sandbox's {@code 127.0.0.1:<port>} into
 * the pod status ({@code SandboxStatus.SERVING_CONDITION}) and the activator reads it from there.
 */
package io.kubedirect.examples.faas.sandbox;
