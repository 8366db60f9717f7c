package io.kubedirect.examples.knative.autoscaler.metrics;

import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.examples.knative.autoscaler.aggregation.TimedBuckets;
import io.kubedirect.examples.knative.autoscaler.aggregation.WeightedBuckets;
import io.kubedirect.examples.knative.autoscaler.aggregation.WindowAverager;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Knative's {@code MetricCollector} for pushed stats: one collection per revision with stable and
 * panic windows of concurrency and RPS. Every stat (from sandboxes and activators) is recorded into
 * the 1-second bucket of its arrival time; stats in the same second add up to the revision total.
 * Proxied traffic is subtracted first. Knative's pull-side scraper (sampling pods every second) is
 * replaced by the sandboxes' own pushes. Thread-safe.
 */
public final class MetricCollector implements MetricClient {

  /** Knative's {@code config.BucketSize}. */
  public static final Duration BUCKET_SIZE = Duration.ofSeconds(1);

  private final Map<RevisionKey, Collection> collections = new ConcurrentHashMap<>();

  /**
   * Creates the collection for {@code key}, or resizes its windows if it exists ({@code now} for
   * the resize).
   */
  public void createOrUpdate(RevisionKey key, MetricSpec spec, Instant now) {
    collections.compute(
        key,
        (k, existing) -> {
          if (existing == null) {
            return new Collection(spec);
          }
          existing.update(spec, now);
          return existing;
        });
  }

  /** Stops collecting for {@code key}. */
  public void delete(RevisionKey key) {
    collections.remove(key);
  }

  /** True if a collection exists for {@code key}. */
  public boolean isCollecting(RevisionKey key) {
    return collections.containsKey(key);
  }

  /**
   * Records {@code stat} at {@code now}; ignored if {@code key} is not collected (like Knative).
   */
  public void record(RevisionKey key, Instant now, Stat stat) {
    Collection c = collections.get(key);
    if (c != null) {
      c.record(now, stat);
    }
  }

  @Override
  public WindowValues stableAndPanicConcurrency(RevisionKey key, Instant now)
      throws MetricUnavailableException {
    return collection(key).values(now, false);
  }

  @Override
  public WindowValues stableAndPanicRps(RevisionKey key, Instant now)
      throws MetricUnavailableException {
    return collection(key).values(now, true);
  }

  private Collection collection(RevisionKey key) throws MetricUnavailableException {
    Collection c = collections.get(key);
    if (c == null) {
      throw new MetricUnavailableException(
          MetricUnavailableException.Reason.NOT_COLLECTING,
          "no metrics are being collected for " + key);
    }
    return c;
  }

  private static final class Collection {
    private MetricSpec spec;
    private final WindowAverager concurrency;
    private final WindowAverager concurrencyPanic;
    private final WindowAverager rps;
    private final WindowAverager rpsPanic;

    Collection(MetricSpec spec) {
      this.spec = spec;
      this.concurrency = buckets(spec, spec.stableWindow());
      this.concurrencyPanic = buckets(spec, spec.panicWindow());
      this.rps = buckets(spec, spec.stableWindow());
      this.rpsPanic = buckets(spec, spec.panicWindow());
    }

    private static WindowAverager buckets(MetricSpec spec, Duration window) {
      return spec.aggregation() == MetricSpec.Aggregation.WEIGHTED_EXPONENTIAL
          ? new WeightedBuckets(window, BUCKET_SIZE)
          : new TimedBuckets(window, BUCKET_SIZE);
    }

    synchronized void update(MetricSpec newSpec, Instant now) {
      // Like Knative, the aggregation algorithm is fixed when the collection is created; windows
      // resize.
      spec = newSpec;
      concurrency.resizeWindow(newSpec.stableWindow(), now);
      concurrencyPanic.resizeWindow(newSpec.panicWindow(), now);
      rps.resizeWindow(newSpec.stableWindow(), now);
      rpsPanic.resizeWindow(newSpec.panicWindow(), now);
    }

    synchronized void record(Instant now, Stat stat) {
      double concurrent =
          stat.averageConcurrentRequests() - stat.averageProxiedConcurrentRequests();
      concurrency.record(now, concurrent);
      concurrencyPanic.record(now, concurrent);
      double perSecond = stat.requestCount() - stat.proxiedRequestCount();
      rps.record(now, perSecond);
      rpsPanic.record(now, perSecond);
    }

    synchronized WindowValues values(Instant now, boolean requestsPerSecond)
        throws MetricUnavailableException {
      WindowAverager stable = requestsPerSecond ? rps : concurrency;
      WindowAverager panic = requestsPerSecond ? rpsPanic : concurrencyPanic;
      if (stable.isEmpty(now) && spec.hasScrapeTarget()) {
        throw new MetricUnavailableException(
            MetricUnavailableException.Reason.NO_DATA, "no data available");
      }
      return new WindowValues(stable.windowAverage(now), panic.windowAverage(now));
    }
  }
}
