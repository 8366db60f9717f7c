/**
 * The PodAutoscaler reconciler's scaling logic (Knative's {@code pkg/reconciler/autoscaling/kpa}):
 * min, max and initial scale, the scale-to-zero state machine (grace period, pod retention,
 * activation timeout, activator probe), whether the activator stays in the path, and writing the
 * scale through a {@link io.kubedirect.examples.knative.autoscaler.kpa.ScaleWriter}.
 */
package io.kubedirect.examples.knative.autoscaler.kpa;
