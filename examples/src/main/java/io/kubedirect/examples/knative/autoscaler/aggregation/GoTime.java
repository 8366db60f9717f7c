package io.kubedirect.examples.knative.autoscaler.aggregation;

import java.time.Duration;
import java.time.Instant;

/**
 * The few Go {@code time} and {@code math} semantics the autoscaler's arithmetic depends on.
 * Windows and granularities are whole seconds (Knative validates that), so instants are reduced to
 * epoch seconds.
 */
public final class GoTime {

  /**
   * Go's zero {@code time.Time} (January 1, year 1, UTC): "not set" for first/last write and panic
   * time.
   */
  public static final Instant ZERO = Instant.parse("0001-01-01T00:00:00Z");

  /** {@link #ZERO} in epoch seconds. */
  public static final long ZERO_SECONDS = ZERO.getEpochSecond();

  private GoTime() {}

  /**
   * {@code t.Truncate(g)} for a whole-second granularity, in epoch seconds (Go truncates since its
   * zero time).
   */
  public static long truncateSeconds(Instant t, long granularitySeconds) {
    long s = t.getEpochSecond();
    return s - Math.floorMod(s - ZERO_SECONDS, granularitySeconds);
  }

  /**
   * {@code int(t.Unix()) / int(g.Seconds())}: Go's integer division truncates toward zero, like
   * Java's.
   */
  public static long index(long epochSeconds, long granularitySeconds) {
    return epochSeconds / granularitySeconds;
  }

  /** {@code math.Round}: half away from zero (Java's {@code Math.round} rounds half up). */
  public static double round(double x) {
    if (Double.isNaN(x) || Double.isInfinite(x)) {
      return x;
    }
    double a = Math.abs(x);
    double t = Math.floor(a);
    if (a - t >= 0.5) {
      t += 1;
    }
    return Math.copySign(t, x);
  }

  /** Knative's {@code roundToNDigits}: {@code math.Round(f * 10^n) / 10^n}. */
  public static double roundToDigits(int n, double f) {
    double p = Math.pow(10, n);
    return round(f * p) / p;
  }

  /** The whole seconds of a duration that must have at most second precision. */
  public static long wholeSeconds(Duration d, String what) {
    if (d.getNano() != 0 || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(
          what + " must be a positive whole number of seconds, was " + d);
    }
    return d.getSeconds();
  }
}
