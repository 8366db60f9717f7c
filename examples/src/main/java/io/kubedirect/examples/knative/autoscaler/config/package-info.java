/**
 * Knative's {@code config-autoscaler} ConfigMap and per-revision {@code autoscaling.knative.dev/*}
 * annotations: parsing with Knative's defaults and validation ranges, a store that keeps the
 * previous configuration when an update is invalid, and the resolution of both into a decider spec,
 * a metric spec and scale bounds.
 */
package io.kubedirect.examples.knative.autoscaler.config;
