/**
 * The activator: the data plane's front door (Knative's activator). It takes {@code POST
 * /fn/<namespace>/<function>} on loopback, buffers requests while a function has no capacity,
 * load-balances them over the function's ready sandboxes within their container concurrency,
 * proxies them, and reports per-function concurrency to the autoscaler. Ready sandboxes come from a
 * {@link io.kubedirect.examples.faas.activator.SandboxSource}; the plain one watches the API
 * Server.
 */
package io.kubedirect.examples.faas.activator;
