package io.kubedirect.examples.knative.autoscaler.kpa;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What the scaling logic reads from Knative's ServerlessService: its mode and since when the
 * activator has been in the path ({@code ProxyFor}).
 *
 * @param mode the mode the service is in
 * @param proxySince when the activator endpoints were put in the path, or null if they are not
 */
public record SksState(SksMode mode, Instant proxySince) {

  /** Validates the mode. */
  public SksState {
    Objects.requireNonNull(mode, "mode");
  }

  /** In serve mode (pods receive traffic directly). */
  public static SksState serve() {
    return new SksState(SksMode.SERVE, null);
  }

  /** How long the activator has been in the path at {@code now} (0 if it is not). */
  public Duration proxyFor(Instant now) {
    return proxySince == null ? Duration.ZERO : Duration.between(proxySince, now);
  }
}
