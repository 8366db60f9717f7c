package io.kubedirect.testing.controlplane;

import java.time.Duration;
import java.util.Map;

/**
 * How long each component took from process start to ready, and the whole start (also
 * work-directory setup, key generation and creating the first {@code ApiClient}, whose class
 * loading costs about a second in a cold JVM). Logged by the launcher at INFO.
 *
 * @param perComponent time to ready per started component, in start order
 * @param total wall time of the whole start
 */
public record StartupTimings(Map<Component, Duration> perComponent, Duration total) {
  /**
   * Makes the map immutable.
   *
   * @param perComponent see the record description
   * @param total see the record description
   */
  public StartupTimings {
    perComponent = Map.copyOf(perComponent);
  }

  /**
   * Formats the timings as e.g. {@code etcd=180ms kube-apiserver=2300ms total=2600ms}.
   *
   * @return a one-line summary
   */
  public String summary() {
    StringBuilder sb = new StringBuilder();
    for (Component c : Component.values()) {
      Duration d = perComponent.get(c);
      if (d != null) {
        sb.append(c.binaryName()).append('=').append(d.toMillis()).append("ms ");
      }
    }
    return sb.append("total=").append(total.toMillis()).append("ms").toString();
  }
}
