package io.kubedirect.examples.faas.stats;

import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.examples.knative.autoscaler.metrics.Stat;
import java.util.Map;

/**
 * The text form of a stat on the wire: one line {@code <namespace> <function> <reporter>
 * <concurrency> <proxied concurrency> <requests> <proxied requests>}, fields separated by one space
 * (Kubernetes names and the reporter names contain none).
 */
final class StatsWire {

  private StatsWire() {}

  static String encode(RevisionKey key, Stat stat) {
    return key.namespace()
        + ' '
        + key.name()
        + ' '
        + stat.podName().replace(' ', '_')
        + ' '
        + stat.averageConcurrentRequests()
        + ' '
        + stat.averageProxiedConcurrentRequests()
        + ' '
        + stat.requestCount()
        + ' '
        + stat.proxiedRequestCount()
        + '\n';
  }

  /**
   * @throws IllegalArgumentException on a malformed line
   */
  static Map.Entry<RevisionKey, Stat> decode(String line) {
    String[] f = line.trim().split(" ");
    if (f.length != 7) {
      throw new IllegalArgumentException("malformed stat line: " + line);
    }
    try {
      return Map.entry(
          new RevisionKey(f[0], f[1]),
          new Stat(
              f[2],
              Double.parseDouble(f[3]),
              Double.parseDouble(f[4]),
              Double.parseDouble(f[5]),
              Double.parseDouble(f[6])));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("malformed stat line: " + line, e);
    }
  }
}
