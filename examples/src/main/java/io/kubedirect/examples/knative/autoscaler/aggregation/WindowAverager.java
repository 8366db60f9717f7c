package io.kubedirect.examples.knative.autoscaler.aggregation;

import java.time.Duration;
import java.time.Instant;

/** A timed window of 1-second buckets (Knative's {@code windowAverager}). Not thread-safe. */
public interface WindowAverager {

  /** Adds {@code value} to the bucket of {@code now}; values older than the window are dropped. */
  void record(Instant now, double value);

  /** The window's average as seen at {@code now}. */
  double windowAverage(Instant now);

  /** True if nothing was recorded within one window before {@code now}. */
  boolean isEmpty(Instant now);

  /**
   * Changes the window length, keeping the newest buckets that still fit ({@code now} replaces Go's
   * wall clock).
   */
  void resizeWindow(Duration window, Instant now);

  /** The current window length. */
  Duration window();
}
