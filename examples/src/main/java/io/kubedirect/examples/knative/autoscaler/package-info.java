/**
 * A Java port of Knative Serving's pod autoscaler (KPA): metric windows ({@code aggregation}), stat
 * collection ({@code metrics}), the per-revision decider and the multiscaler ({@code scaling}),
 * {@code config-autoscaler} and per-revision annotations ({@code config}), and the PodAutoscaler
 * reconciler's scaling logic ({@code kpa}). The arithmetic follows Knative's Go code step for step;
 * see {@code docs/knative-autoscaler.md}.
 */
package io.kubedirect.examples.knative.autoscaler;
