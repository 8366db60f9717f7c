package io.kubedirect.examples.bench.ceiling;

import io.kubedirect.examples.bench.ceiling.CeilingOptions.ContentType;
import io.kubedirect.examples.bench.ceiling.CeilingOptions.StatusWrite;
import java.util.Arrays;

/**
 * The outcome of one combination of {@link WriteCeiling}.
 *
 * @param contentType the encoding used
 * @param statusWrite how the status was written
 * @param concurrency concurrent writers
 * @param pods pods written completely (create and status)
 * @param elapsedNanos from the first request to the last answer
 * @param createMillis the create calls' latency percentiles (p50, p99) in ms
 * @param statusMillis the status calls' latency percentiles (p50, p99) in ms
 * @param loadBefore the 1-minute load average before the combination, -1 if unknown
 * @param loadAfter the 1-minute load average after it, -1 if unknown
 * @param error the first failure, or null when every write succeeded
 */
public record CeilingResult(
    ContentType contentType,
    StatusWrite statusWrite,
    int concurrency,
    int pods,
    long elapsedNanos,
    double[] createMillis,
    double[] statusMillis,
    double loadBefore,
    double loadAfter,
    String error) {

  /** Writes per pod: the create and the status write. */
  public static final int WRITES_PER_POD = 2;

  /** Whether every write succeeded. */
  public boolean ok() {
    return error == null;
  }

  /** API writes made (two per pod). */
  public long writes() {
    return (long) pods * WRITES_PER_POD;
  }

  /** Writes per second over the whole combination; 0 if nothing was measured. */
  public double writesPerSecond() {
    return elapsedNanos <= 0 ? 0 : writes() / (elapsedNanos / 1e9);
  }

  /** p50 and p99 of {@code nanos} in milliseconds ({0, 0} when empty); does not modify it. */
  public static double[] percentilesMillis(long[] nanos) {
    if (nanos.length == 0) {
      return new double[] {0, 0};
    }
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return new double[] {at(sorted, 0.50) / 1e6, at(sorted, 0.99) / 1e6};
  }

  /** The nearest-rank quantile {@code q} of sorted values. */
  static long at(long[] sorted, double q) {
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }
}
