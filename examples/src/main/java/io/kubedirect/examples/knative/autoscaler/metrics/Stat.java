package io.kubedirect.examples.knative.autoscaler.metrics;

/**
 * One report from a sandbox (queue-proxy) or an activator for one revision, covering one reporting
 * period (1 s). Proxied values are the part of the traffic that arrived through the activator; the
 * collector subtracts them so that a request is counted once (by the activator that proxied it),
 * not twice.
 *
 * @param podName the reporter (a pod or an activator), informational
 * @param averageConcurrentRequests time-averaged in-flight requests during the period
 * @param averageProxiedConcurrentRequests the part of the above that came through the activator
 * @param requestCount requests received during the period (per second)
 * @param proxiedRequestCount the part of the above that came through the activator
 */
public record Stat(
    String podName,
    double averageConcurrentRequests,
    double averageProxiedConcurrentRequests,
    double requestCount,
    double proxiedRequestCount) {

  /**
   * A stat with no proxied traffic (what an activator reports, or a sandbox that only served direct
   * traffic).
   */
  public static Stat of(String podName, double averageConcurrentRequests, double requestCount) {
    return new Stat(podName, averageConcurrentRequests, 0, requestCount, 0);
  }
}
