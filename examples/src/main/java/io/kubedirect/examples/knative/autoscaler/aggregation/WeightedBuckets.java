package io.kubedirect.examples.knative.autoscaler.aggregation;

import java.time.Duration;
import java.time.Instant;

/**
 * Knative's {@code WeightedFloat64Buckets} ({@code metric-aggregation-algorithm:
 * weighted-exponential}): the newest bucket weighs {@code m}, each older one {@code (1-m)} times
 * less, with {@code m = max(1 - 0.0001^(1/n), 0.2)}. No division and no rounding.
 */
public final class WeightedBuckets extends TimedBuckets {

  private static final double WEIGHT_PRECISION = 0.9999;
  private static final double MIN_EXPONENT = 0.2;

  private double smoothingCoeff;

  /** Weighted buckets covering {@code window} with the given granularity (both whole seconds). */
  public WeightedBuckets(Duration window, Duration granularity) {
    super(window, granularity);
    smoothingCoeff = smoothingCoeff(size());
  }

  /** Knative's {@code computeSmoothingCoeff} for {@code numBuckets} buckets. */
  public static double smoothingCoeff(double numBuckets) {
    return Math.max(1 - Math.pow(1 - WEIGHT_PRECISION, 1 / numBuckets), MIN_EXPONENT);
  }

  /** The current smoothing coefficient {@code m}. */
  public double smoothingCoeff() {
    return smoothingCoeff;
  }

  @Override
  public double windowAverage(Instant now) {
    long t = GoTime.truncateSeconds(now, granularity);
    if (isEmptyAt(t)) {
      return 0;
    }
    int totalB = buckets.length;
    long numB = totalB;
    double multiplier = smoothingCoeff;
    if (t > lastWrite) {
      long numZ = (t - lastWrite) / granularity;
      multiplier *= Math.pow(1 - smoothingCoeff, (double) numZ);
      numB -= numZ;
    }
    long startIdx = index(lastWrite) + totalB;
    double ret = 0;
    for (long i = 0; i < numB; i++) {
      ret += buckets[(int) ((startIdx - i) % totalB)] * multiplier;
      multiplier *= (1 - smoothingCoeff);
    }
    return ret;
  }

  @Override
  public void resizeWindow(Duration newWindow, Instant now) {
    super.resizeWindow(newWindow, now);
    smoothingCoeff = smoothingCoeff(size());
  }
}
