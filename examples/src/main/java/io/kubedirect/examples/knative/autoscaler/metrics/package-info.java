/**
 * Stats and their collection: Knative's {@code metrics.Stat}, the per-revision collection of stable
 * and panic windows for concurrency and requests per second, and the activator-side reporter that
 * sends one stat on the first request to a revision and then one per second.
 */
package io.kubedirect.examples.knative.autoscaler.metrics;
