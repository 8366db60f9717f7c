package io.kubedirect.examples.knative.autoscaler.aggregation;

import java.time.Duration;
import java.time.Instant;

/**
 * Knative's {@code max.TimeWindow}: the maximum of the values recorded in the last {@code
 * ceil(duration / granularity)} granularity slots, kept as a monotone deque in a ring. The decider
 * uses it (granularity 2 s) to delay scale-down decisions. Not thread-safe.
 */
public final class MaxTimeWindow {

  private final long granularity;
  private final long[] indices;
  private final int[] values;
  private int first;
  private int length;

  /** A window of {@code duration} in slots of {@code granularity} (whole seconds). */
  public MaxTimeWindow(Duration duration, Duration granularity) {
    this.granularity = GoTime.wholeSeconds(granularity, "granularity");
    int size = (int) Math.ceil((double) duration.toNanos() / (double) granularity.toNanos());
    if (size < 1) {
      throw new IllegalArgumentException("duration must be positive, was " + duration);
    }
    this.indices = new long[size];
    this.values = new int[size];
  }

  /** Records {@code value} in the slot of {@code now}. */
  public void record(Instant now, int value) {
    record(GoTime.index(now.getEpochSecond(), granularity), value);
  }

  private void record(long index, int v) {
    int n = values.length;
    // Values not larger than the new one can never be the maximum again.
    for (; length > 0; length--) {
      if (v < values[(first + length - 1) % n]) {
        break;
      }
    }
    // Drop values that left the window.
    while (length > 0 && index - indices[first] >= n) {
      length--;
      first++;
      if (first == n) {
        first = 0;
      }
    }
    if (length > 0) {
      int last = (first + length - 1) % n;
      if (indices[last] == index) {
        if (values[last] > v) {
          v = values[last];
        }
        length--;
      }
    }
    int pos = (first + length) % n;
    indices[pos] = index;
    values[pos] = v;
    length++;
  }

  /** The maximum over the window (0 before the first record). */
  public int current() {
    return values[first];
  }
}
