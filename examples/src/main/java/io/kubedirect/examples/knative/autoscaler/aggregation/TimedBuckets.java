package io.kubedirect.examples.knative.autoscaler.aggregation;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

/**
 * Knative's {@code TimedFloat64Buckets}: a ring of fixed-granularity buckets whose average covers
 * only the buckets since the first write (partial windows) and leaves trailing silent buckets out
 * of the denominator. The result is rounded to 6 digits like Knative's. This is the default
 * ("linear") aggregation.
 */
public class TimedBuckets implements WindowAverager {

  private static final int PRECISION = 6;

  final long granularity;
  long window;
  double[] buckets;
  long firstWrite = GoTime.ZERO_SECONDS;
  long lastWrite = GoTime.ZERO_SECONDS;
  double windowTotal;

  /** Buckets covering {@code window} with the given granularity (both whole seconds). */
  public TimedBuckets(Duration window, Duration granularity) {
    this.granularity = GoTime.wholeSeconds(granularity, "granularity");
    this.window = GoTime.wholeSeconds(window, "window");
    this.buckets = new double[bucketCount(this.window, this.granularity)];
  }

  static int bucketCount(long window, long granularity) {
    return (int) Math.ceil((double) window / (double) granularity);
  }

  /** The number of buckets in the ring. */
  public int size() {
    return buckets.length;
  }

  @Override
  public Duration window() {
    return Duration.ofSeconds(window);
  }

  long index(long epochSeconds) {
    return GoTime.index(epochSeconds, granularity);
  }

  @Override
  public boolean isEmpty(Instant now) {
    return isEmptyAt(GoTime.truncateSeconds(now, granularity));
  }

  boolean isEmptyAt(long truncatedNow) {
    return truncatedNow - lastWrite > window;
  }

  @Override
  public void record(Instant now, double value) {
    long bucketTime = GoTime.truncateSeconds(now, granularity);
    long writeIdx = index(now.getEpochSecond());
    if (lastWrite != bucketTime) {
      if (bucketTime + window > lastWrite) {
        if (firstWrite == GoTime.ZERO_SECONDS || firstWrite > bucketTime) {
          firstWrite = bucketTime;
        }
        if (bucketTime > lastWrite) {
          if (bucketTime - lastWrite >= window) {
            // A whole window without writes: start over.
            firstWrite = bucketTime;
            Arrays.fill(buckets, 0);
            windowTotal = 0;
          } else {
            // Zero the buckets skipped since the last write.
            for (long i = index(lastWrite) + 1; i <= writeIdx; i++) {
              int idx = (int) (i % buckets.length);
              windowTotal -= buckets[idx];
              buckets[idx] = 0;
            }
          }
          lastWrite = bucketTime;
        }
      } else {
        return; // Older than the window.
      }
    }
    buckets[(int) (writeIdx % buckets.length)] += value;
    windowTotal += value;
  }

  @Override
  public double windowAverage(Instant now) {
    long t = GoTime.truncateSeconds(now, granularity);
    long d = t - lastWrite;
    if (d <= 0) {
      double numB =
          Math.min((double) ((lastWrite - firstWrite) / granularity) + 1, (double) buckets.length);
      return GoTime.roundToDigits(PRECISION, windowTotal / numB);
    } else if (d < window) {
      long stIdx = index(lastWrite);
      long eIdx = index(t);
      double ret = windowTotal;
      for (long i = stIdx + 1; i <= eIdx; i++) {
        ret -= buckets[(int) (i % buckets.length)];
      }
      double numB =
          Math.min(
              (double) ((lastWrite - firstWrite) / granularity) + 1,
              (double) (buckets.length - (eIdx - stIdx)));
      return GoTime.roundToDigits(PRECISION, ret / numB);
    }
    return 0;
  }

  @Override
  public void resizeWindow(Duration newWindow, Instant now) {
    long w = GoTime.wholeSeconds(newWindow, "window");
    if (w == window) {
      return;
    }
    int numBuckets = bucketCount(w, granularity);
    double[] newBuckets = new double[numBuckets];
    double newTotal = 0;
    if (GoTime.truncateSeconds(now, granularity) - lastWrite <= window) {
      int oldNumBuckets = buckets.length;
      long tIdx = index(lastWrite);
      for (int k = 0; k < Math.min(numBuckets, oldNumBuckets); k++) {
        int oi = (int) (tIdx % oldNumBuckets);
        int ni = (int) (tIdx % numBuckets);
        newBuckets[ni] = buckets[oi];
        newTotal += buckets[oi];
        tIdx--;
      }
      firstWrite = lastWrite - (long) (oldNumBuckets - 1) * granularity;
    } else {
      firstWrite = GoTime.ZERO_SECONDS;
    }
    window = w;
    buckets = newBuckets;
    windowTotal = newTotal;
  }

  /**
   * Sum of the buckets still inside the window at {@code now} (test helper mirroring Knative's
   * forEachBucket).
   */
  public double bucketSum(Instant now) {
    long t = GoTime.truncateSeconds(now, granularity);
    long n = buckets.length - (t - lastWrite) / granularity;
    double sum = 0;
    long si = index(lastWrite);
    for (long k = 0; k < n; k++) {
      sum += buckets[(int) (si % buckets.length)];
      si--;
    }
    return sum;
  }
}
