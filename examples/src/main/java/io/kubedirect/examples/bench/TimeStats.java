package io.kubedirect.examples.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/**
 * Summary of event times in seconds since a start: count, first, nearest-rank p50/p90, last.
 *
 * @param count number of events
 * @param first the earliest
 * @param p50 nearest-rank median
 * @param p90 nearest-rank 90th percentile
 * @param p100 the latest
 */
public record TimeStats(int count, double first, double p50, double p90, double p100) {

  /**
   * Summarises {@code seconds} (any order).
   *
   * @throws IllegalArgumentException if there are none, or one is negative or not a number
   */
  public static TimeStats of(Collection<Double> seconds) {
    if (seconds.isEmpty()) {
      throw new IllegalArgumentException("no events to summarise");
    }
    List<Double> sorted = new ArrayList<>(seconds);
    for (double s : sorted) {
      if (!(s >= 0)) {
        throw new IllegalArgumentException("event time before the start (or NaN): " + s);
      }
    }
    Collections.sort(sorted);
    return new TimeStats(
        sorted.size(),
        sorted.get(0),
        percentile(sorted, 50),
        percentile(sorted, 90),
        sorted.get(sorted.size() - 1));
  }

  /** Nearest-rank percentile {@code p} (1..100) of a sorted, non-empty list. */
  static double percentile(List<Double> sorted, int p) {
    if (p < 1 || p > 100 || sorted.isEmpty()) {
      throw new IllegalArgumentException("percentile " + p + " of " + sorted.size() + " values");
    }
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, rank - 1));
  }

  /** Events per second until the last one ({@code count / p100}). */
  public double perSecond() {
    return p100 > 0 ? count / p100 : Double.POSITIVE_INFINITY;
  }
}
