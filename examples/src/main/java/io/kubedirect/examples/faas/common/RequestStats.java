package io.kubedirect.examples.faas.common;

/**
 * Request accounting of one reporter (a sandbox or the activator, for one function), in the manner
 * of Knative's queue-proxy and activator stats: concurrency is integrated over time, so a report
 * gives the time-weighted average number of in-flight requests since the previous report, plus the
 * number of requests that arrived. "Proxied" requests (those that came through the activator) are
 * also counted apart. Times are nanoseconds of one monotonic clock ({@link System#nanoTime()} or a
 * test clock). Not thread-safe: the owner synchronises.
 */
public final class RequestStats {

  private long lastChange;
  private long periodStart;
  private int concurrency;
  private int proxiedConcurrency;
  private double area;
  private double proxiedArea;
  private long requests;
  private long proxiedRequests;

  /** Stats whose first period starts at {@code now}. */
  public RequestStats(long now) {
    this.lastChange = now;
    this.periodStart = now;
  }

  /** A request arrived at {@code now}. */
  public void requestIn(long now, boolean proxied) {
    advance(now);
    concurrency++;
    requests++;
    if (proxied) {
      proxiedConcurrency++;
      proxiedRequests++;
    }
  }

  /** A request (that arrived with the same {@code proxied}) was answered at {@code now}. */
  public void requestOut(long now, boolean proxied) {
    advance(now);
    concurrency = Math.max(0, concurrency - 1);
    if (proxied) {
      proxiedConcurrency = Math.max(0, proxiedConcurrency - 1);
    }
  }

  /** Requests in flight now. */
  public int concurrency() {
    return concurrency;
  }

  /**
   * The averages and counts since the previous report (or the start), and starts a new period at
   * {@code now}. A period of zero length reports the current concurrency.
   */
  public Report report(long now) {
    advance(now);
    long period = now - periodStart;
    Report r =
        period <= 0
            ? new Report(concurrency, proxiedConcurrency, requests, proxiedRequests)
            : new Report(area / period, proxiedArea / period, requests, proxiedRequests);
    area = 0;
    proxiedArea = 0;
    requests = 0;
    proxiedRequests = 0;
    periodStart = now;
    return r;
  }

  private void advance(long now) {
    if (now > lastChange) {
      long dt = now - lastChange;
      area += (double) concurrency * dt;
      proxiedArea += (double) proxiedConcurrency * dt;
      lastChange = now;
    }
  }

  /**
   * One period's figures.
   *
   * @param averageConcurrency time-weighted average of in-flight requests
   * @param averageProxiedConcurrency the same, of proxied requests only
   * @param requestCount requests that arrived in the period
   * @param proxiedRequestCount proxied requests that arrived in the period
   */
  public record Report(
      double averageConcurrency,
      double averageProxiedConcurrency,
      long requestCount,
      long proxiedRequestCount) {}
}
