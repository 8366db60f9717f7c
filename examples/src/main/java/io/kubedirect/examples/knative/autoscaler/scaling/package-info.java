/**
 * The decider (Knative's {@code autoscaler.Scale}), its spec and result, and the multiscaler that
 * runs one decider per revision every 2 seconds, pokes it on the first stat after a scale to zero,
 * and reports changes.
 */
package io.kubedirect.examples.knative.autoscaler.scaling;
