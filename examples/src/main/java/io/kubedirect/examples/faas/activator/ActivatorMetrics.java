package io.kubedirect.examples.faas.activator;

import java.util.concurrent.atomic.LongAdder;

/** Counters of one activator since it started. Thread-safe. */
public final class ActivatorMetrics {

  final LongAdder received = new LongAdder();
  final LongAdder proxied = new LongAdder();
  final LongAdder queued = new LongAdder();
  final LongAdder rejectedQueueFull = new LongAdder();
  final LongAdder rejectedTimeout = new LongAdder();
  final LongAdder rejectedStopping = new LongAdder();
  final LongAdder badRequests = new LongAdder();
  final LongAdder notFound = new LongAdder();
  final LongAdder proxyErrors = new LongAdder();
  final LongAdder proxyTimeouts = new LongAdder();
  final LongAdder retries = new LongAdder();
  final LongAdder abandoned = new LongAdder();

  ActivatorMetrics() {}

  /** A copy of the counters now. */
  public Snapshot snapshot() {
    return new Snapshot(
        received.sum(),
        proxied.sum(),
        queued.sum(),
        rejectedQueueFull.sum(),
        rejectedTimeout.sum(),
        rejectedStopping.sum(),
        badRequests.sum(),
        notFound.sum(),
        proxyErrors.sum(),
        proxyTimeouts.sum(),
        retries.sum(),
        abandoned.sum());
  }

  /**
   * The counters at one instant.
   *
   * @param received requests for a known function (routed to a throttler)
   * @param proxied requests a sandbox answered (any status), relayed to the client
   * @param queued requests that had to wait for capacity (counted once, when they first waited)
   * @param rejectedQueueFull 503: the function's queue was full
   * @param rejectedTimeout 503: no capacity within the queue timeout
   * @param rejectedStopping 503: the activator stopped while the request waited
   * @param badRequests 400 or 405: malformed HTTP, a malformed {@code /fn/} path, or not POST
   * @param notFound 404: no such route or function
   * @param proxyErrors 502: the sandbox failed (connection lost after sending, or no sandbox took
   *     it after retries)
   * @param proxyTimeouts 504: the sandbox did not answer within the response timeout
   * @param retries requests sent to another sandbox because one could not be reached or was
   *     stopping
   * @param abandoned requests whose client went away before the answer
   */
  public record Snapshot(
      long received,
      long proxied,
      long queued,
      long rejectedQueueFull,
      long rejectedTimeout,
      long rejectedStopping,
      long badRequests,
      long notFound,
      long proxyErrors,
      long proxyTimeouts,
      long retries,
      long abandoned) {

    /** Every 503 the activator answered itself. */
    public long rejected() {
      return rejectedQueueFull + rejectedTimeout + rejectedStopping;
    }
  }
}
