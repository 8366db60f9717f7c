package io.kubedirect.examples.knative.autoscaler.scaling;

import java.time.Duration;
import java.util.Objects;

/**
 * Knative's {@code DeciderSpec}: everything a decider needs, already resolved from {@code
 * config-autoscaler} and the revision's annotations (see {@code config.ScalingResources}). Unset
 * builder fields keep Go's zero values.
 *
 * @param maxScaleUpRate max ratio of desired to ready pods in one decision
 * @param maxScaleDownRate max ratio of ready to desired pods in one decision (reachable revisions
 *     only)
 * @param scalingMetric {@code "concurrency"} (also for any other value) or {@code "rps"}
 * @param targetValue the per-pod target (already multiplied by the target utilization)
 * @param totalValue the per-pod capacity (container concurrency or the unscaled target)
 * @param targetBurstCapacity spare capacity to keep; 0 disables, -1 keeps the activator in the path
 * @param activatorCapacity requests one activator can hold, for sizing the activator subset
 * @param panicThreshold ratio of panic-window demand to ready pods that starts panic mode
 * @param stableWindow the stable window; panic mode ends one stable window after the last
 *     over-threshold tick
 * @param scaleDownDelay how long a scale-down is held back (0: none)
 * @param initialScale the revision's initial scale (for the initial excess burst capacity)
 * @param reachable whether a route targets the revision
 * @param activationScale the minimum non-zero scale (applies when greater than 1)
 */
public record DeciderSpec(
    double maxScaleUpRate,
    double maxScaleDownRate,
    String scalingMetric,
    double targetValue,
    double totalValue,
    double targetBurstCapacity,
    double activatorCapacity,
    double panicThreshold,
    Duration stableWindow,
    Duration scaleDownDelay,
    int initialScale,
    boolean reachable,
    int activationScale) {

  /** Knative's RPS metric name. */
  public static final String RPS = "rps";

  /** Knative's concurrency metric name (the default). */
  public static final String CONCURRENCY = "concurrency";

  /** Checks the fields that must not be null or negative. */
  public DeciderSpec {
    Objects.requireNonNull(scalingMetric, "scalingMetric");
    Objects.requireNonNull(stableWindow, "stableWindow");
    Objects.requireNonNull(scaleDownDelay, "scaleDownDelay");
    if (stableWindow.isNegative() || scaleDownDelay.isNegative()) {
      throw new IllegalArgumentException("windows must not be negative");
    }
  }

  /** True if the decider scales on requests per second. */
  public boolean usesRps() {
    return RPS.equals(scalingMetric);
  }

  /** A builder starting from Go's zero values. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this spec. */
  public Builder toBuilder() {
    return new Builder()
        .maxScaleUpRate(maxScaleUpRate)
        .maxScaleDownRate(maxScaleDownRate)
        .scalingMetric(scalingMetric)
        .targetValue(targetValue)
        .totalValue(totalValue)
        .targetBurstCapacity(targetBurstCapacity)
        .activatorCapacity(activatorCapacity)
        .panicThreshold(panicThreshold)
        .stableWindow(stableWindow)
        .scaleDownDelay(scaleDownDelay)
        .initialScale(initialScale)
        .reachable(reachable)
        .activationScale(activationScale);
  }

  /** Builds a {@link DeciderSpec}. */
  public static final class Builder {
    private double maxScaleUpRate;
    private double maxScaleDownRate;
    private String scalingMetric = "";
    private double targetValue;
    private double totalValue;
    private double targetBurstCapacity;
    private double activatorCapacity;
    private double panicThreshold;
    private Duration stableWindow = Duration.ZERO;
    private Duration scaleDownDelay = Duration.ZERO;
    private int initialScale;
    private boolean reachable;
    private int activationScale;

    private Builder() {}

    public Builder maxScaleUpRate(double v) {
      maxScaleUpRate = v;
      return this;
    }

    public Builder maxScaleDownRate(double v) {
      maxScaleDownRate = v;
      return this;
    }

    public Builder scalingMetric(String v) {
      scalingMetric = v;
      return this;
    }

    public Builder targetValue(double v) {
      targetValue = v;
      return this;
    }

    public Builder totalValue(double v) {
      totalValue = v;
      return this;
    }

    public Builder targetBurstCapacity(double v) {
      targetBurstCapacity = v;
      return this;
    }

    public Builder activatorCapacity(double v) {
      activatorCapacity = v;
      return this;
    }

    public Builder panicThreshold(double v) {
      panicThreshold = v;
      return this;
    }

    public Builder stableWindow(Duration v) {
      stableWindow = v;
      return this;
    }

    public Builder scaleDownDelay(Duration v) {
      scaleDownDelay = v;
      return this;
    }

    public Builder initialScale(int v) {
      initialScale = v;
      return this;
    }

    public Builder reachable(boolean v) {
      reachable = v;
      return this;
    }

    public Builder activationScale(int v) {
      activationScale = v;
      return this;
    }

    /** Builds the spec. */
    public DeciderSpec build() {
      return new DeciderSpec(
          maxScaleUpRate,
          maxScaleDownRate,
          scalingMetric,
          targetValue,
          totalValue,
          targetBurstCapacity,
          activatorCapacity,
          panicThreshold,
          stableWindow,
          scaleDownDelay,
          initialScale,
          reachable,
          activationScale);
    }
  }
}
