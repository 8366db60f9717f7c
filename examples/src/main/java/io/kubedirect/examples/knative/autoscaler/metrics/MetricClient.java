package io.kubedirect.examples.knative.autoscaler.metrics;

import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import java.time.Instant;

/** Knative's {@code MetricClient}: revision-total stable and panic averages at a given time. */
public interface MetricClient {

  /** Stable and panic window averages of concurrency. */
  WindowValues stableAndPanicConcurrency(RevisionKey key, Instant now)
      throws MetricUnavailableException;

  /** Stable and panic window averages of requests per second. */
  WindowValues stableAndPanicRps(RevisionKey key, Instant now) throws MetricUnavailableException;

  /** A pair of window averages. */
  record WindowValues(double stable, double panic) {}
}
