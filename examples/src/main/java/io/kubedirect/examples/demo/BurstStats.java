package io.kubedirect.examples.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/**
 * Latency summary of one burst: time to the first Ready pod, nearest-rank p50/p90/p100 of
 * time-to-Ready and throughput ({@code pods / p100}).
 *
 * @param pods number of pods measured
 * @param firstReady time to the first Ready pod
 * @param p50 median time to Ready
 * @param p90 90th percentile
 * @param p100 time until the last pod was Ready
 * @param podsPerSecond {@code pods / p100}
 */
public record BurstStats(
    int pods,
    Duration firstReady,
    Duration p50,
    Duration p90,
    Duration p100,
    double podsPerSecond) {

  /**
   * Summarises per-pod ready times relative to {@code startNanos}.
   *
   * @throws IllegalArgumentException if {@code readyNanos} is empty or a time precedes the start
   */
  public static BurstStats of(long startNanos, Collection<Long> readyNanos) {
    if (readyNanos.isEmpty()) {
      throw new IllegalArgumentException("no pod became ready");
    }
    List<Long> offsets = new ArrayList<>(readyNanos.size());
    for (long t : readyNanos) {
      if (t < startNanos) {
        throw new IllegalArgumentException("ready time before the start of the burst");
      }
      offsets.add(t - startNanos);
    }
    Collections.sort(offsets);
    Duration p100 = Duration.ofNanos(offsets.get(offsets.size() - 1));
    double seconds = p100.toNanos() / 1e9;
    return new BurstStats(
        offsets.size(),
        Duration.ofNanos(offsets.get(0)),
        Duration.ofNanos(percentile(offsets, 50)),
        Duration.ofNanos(percentile(offsets, 90)),
        p100,
        seconds > 0 ? offsets.size() / seconds : Double.POSITIVE_INFINITY);
  }

  /** Nearest-rank percentile of a sorted list. */
  static long percentile(List<Long> sorted, int p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, rank - 1));
  }
}
