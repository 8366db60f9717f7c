package io.kubedirect.examples.knative.autoscaler.metrics;

import java.time.Duration;
import java.util.Objects;

/**
 * What Knative's {@code Metric} resource tells the collector: the stable and panic windows, the
 * aggregation algorithm, and whether there is a scrape target (Knative's {@code ScrapeTarget !=
 * ""}, false only when target-burst-capacity is -1). Without a scrape target an empty window reads
 * as 0 instead of "no data".
 */
public record MetricSpec(
    Duration stableWindow, Duration panicWindow, Aggregation aggregation, boolean hasScrapeTarget) {

  /** The window aggregation ({@code autoscaling.knative.dev/metric-aggregation-algorithm}). */
  public enum Aggregation {
    /** {@code linear} (default): the plain average over the window. */
    LINEAR,
    /** {@code weighted-exponential}: exponentially weighted towards the newest second. */
    WEIGHTED_EXPONENTIAL
  }

  /** Validates that both windows are positive whole seconds. */
  public MetricSpec {
    Objects.requireNonNull(stableWindow, "stableWindow");
    Objects.requireNonNull(panicWindow, "panicWindow");
    Objects.requireNonNull(aggregation, "aggregation");
    for (Duration d : new Duration[] {stableWindow, panicWindow}) {
      if (d.isNegative() || d.isZero() || d.getNano() != 0) {
        throw new IllegalArgumentException("windows must be positive whole seconds, was " + d);
      }
    }
  }
}
