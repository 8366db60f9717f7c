/**
 * Timed metric windows: 1-second buckets averaged linearly or with exponential weights, and the max
 * window that implements the scale-down delay. Times follow Go's {@code time.Time} semantics
 * (truncation relative to Go's zero time, Unix-second bucket indices with truncating division); see
 * {@link io.kubedirect.examples.knative.autoscaler.aggregation.GoTime}.
 */
package io.kubedirect.examples.knative.autoscaler.aggregation;
